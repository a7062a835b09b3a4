package dev.pitr.restore;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.source.ToolSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * FETCH_BACKUP from another tool's repository: the tool restores the backup pitr chose (it verifies what it
 * restores as it always does), into the copy's directory and its tablespaces beside pitr's state; the WAL
 * download starts beside it, as over pitr's own repository. Run again after a crash, the tool finishes what it began.
 */
final class ToolRestoreStep implements Step {
    private final ToolSource source;
    private final RestoreSteps.ServerAccess access;
    private final Consumer<String> progress;
    private final WalDownload wal;

    ToolRestoreStep(ToolSource source, RestoreSteps.ServerAccess access, Consumer<String> progress, WalDownload wal) {
        this.source = source;
        this.access = access;
        this.progress = progress;
        this.wal = wal;
    }

    /** Where the tool puts the backup's tablespaces: the restore's own, never where the cluster keeps its own. */
    static Path tablespaces(RestorePlan plan) {
        return plan.stateDir().resolve("tablespaces");
    }

    @Override
    public StepResult run(RestorePlan plan) {
        wal.startEarly(plan);
        Path pgdata = plan.pgdata();
        prepare(pgdata, tablespaces(plan));
        progress.accept("FETCH_BACKUP: " + source.kind().tool() + " restores backup " + plan.backupId() + " from "
                + source.location() + ", " + access.writers() + " at a time");
        long started = System.nanoTime();
        source.restoreBackup(plan.backupId(), new ToolSource.BackupDestination(pgdata, tablespaces(plan),
                access.writers()));
        if (!Files.exists(pgdata.resolve("PG_VERSION")) || !Files.exists(pgdata.resolve("global/pg_control"))) {
            throw new PitrException(ExitCode.IO_FAILURE, source.kind().tool() + " reported backup " + plan.backupId()
                    + " restored, but " + pgdata + " holds no data directory (no PG_VERSION or global/pg_control)");
        }
        ProcessRunner.giveToServerUser(pgdata);
        ProcessRunner.giveToServerUser(tablespaces(plan)); // outside pgdata, behind the links in pg_tblspc
        progress.accept(String.format(Locale.ROOT, "FETCH_BACKUP: restored by %s (%.1f s)", source.kind().tool(),
                (System.nanoTime() - started) / 1e9));
        return StepResult.bytes(plan.backupBytes());
    }

    /** The data directory (private, like any PGDATA) and the tablespaces' directory, the server user's. */
    private static void prepare(Path pgdata, Path tablespaces) {
        try {
            Files.createDirectories(pgdata);
            Files.setPosixFilePermissions(pgdata, PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(tablespaces);
        } catch (IOException e) {
            throw PitrException.io("cannot create " + pgdata + " for the restore: " + e.getMessage(), e);
        }
        ProcessRunner.giveToServerUser(pgdata);
        ProcessRunner.giveToServerUser(tablespaces);
    }
}
