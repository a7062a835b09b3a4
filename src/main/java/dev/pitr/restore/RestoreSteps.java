package dev.pitr.restore;

import dev.pitr.core.ProgressBar;
import dev.pitr.pg.PgCtl;
import dev.pitr.repo.Repository;
import dev.pitr.source.BackupSource;
import dev.pitr.source.PitrSource;
import dev.pitr.source.ToolSource;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.SpoolLayout;
import dev.pitr.wal.WalSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The restore's steps wired to one repository, one set of PostgreSQL binaries and the launcher: one {@link Step}
 * per state, and the copy's lifecycle. Every step checks its own preconditions and is safe to run again.
 */
public final class RestoreSteps {
    /** How the restored server reaches pitr: the launcher for restore_command and its environment. */
    public record ServerAccess(Path launcher, Map<String, String> env, Duration replayTimeout,
                               ProgressBar bar, int writers) {
        public ServerAccess(Path launcher, Map<String, String> env, Duration replayTimeout) {
            this(launcher, env, replayTimeout, ProgressBar.NONE, 2);
        }

        /** {@code writers}: threads writing the extracted files (process-max), beside the one decoding. */
        public ServerAccess {
            writers = Math.max(1, writers);
        }
    }

    private final Map<RestoreState, Step> steps = new EnumMap<>(RestoreState.class);
    private final CopyLifecycle lifecycle;
    private final PgCtl pg;

    public RestoreSteps(Repository repo, PgCtl pg, ServerAccess access, Consumer<String> progress) {
        this(new PitrSource(repo), pg, access, progress);
    }

    /**
     * The same runbook over any source: only FETCH_BACKUP and the copy's restore_command depend on whose
     * repository it is (pitr extracts and verifies its own backups and serves WAL through its launcher; another
     * tool restores its backups and fetches its WAL itself).
     */
    public RestoreSteps(BackupSource source, PgCtl pg, ServerAccess access, Consumer<String> progress) {
        WalSource archive = source.wal();
        WalDownload wal = new WalDownload(archive); // begun with FETCH_BACKUP, owned by PREFETCH_WAL
        steps.put(RestoreState.PREFLIGHT, new PreflightStep(source, pg));
        if (source instanceof ToolSource tool) {
            steps.put(RestoreState.FETCH_BACKUP, new ToolRestoreStep(tool, access, progress, wal));
            steps.put(RestoreState.CONFIGURE, new ConfigureStep(pg, plan -> SpoolLayout.restoreCommand(plan.spool(),
                    tool.restoreCommand(plan.pgdata()))));
        } else {
            Repository repo = ((PitrSource) source).repository();
            steps.put(RestoreState.FETCH_BACKUP, new FetchBackupStep(repo, pg, access, progress, wal));
            steps.put(RestoreState.CONFIGURE, new ConfigureStep(pg, plan -> SpoolLayout.restoreCommand(
                    access.launcher(), plan.spool())));
        }
        steps.put(RestoreState.PREFETCH_WAL, new PrefetchWalStep(archive, progress, wal));
        steps.put(RestoreState.REPLAY, new ReplayStep(archive, pg, access, progress));
        steps.put(RestoreState.VERIFY, new VerifyStep(progress));
        lifecycle = new RestoredCopy(source, pg, access);
        this.pg = pg;
    }

    /** PostgreSQL's programs the steps run (pg_waldump too, for what the archive proves). */
    public dev.pitr.pg.PgBinaries binaries() {
        return pg.binaries();
    }

    /** The step of each working state. */
    public Map<RestoreState, Step> steps() {
        return Map.copyOf(steps);
    }

    public CopyLifecycle lifecycle() {
        return lifecycle;
    }

    /** PREFLIGHT on its own: what 'restore run' does before anything is written. */
    public void preflight(RestorePlan plan) {
        steps.get(RestoreState.PREFLIGHT).run(plan);
    }

    public void prepareStateDir(RestorePlan plan) {
        lifecycle.prepareStateDir(plan);
    }

    public void checkResumable(RestorePlan plan, RestoreState next) {
        lifecycle.checkResumable(plan, next);
    }

    static Lsn lastPlannedLsn(RestorePlan plan) {
        return ReplayStep.lastPlannedLsn(plan);
    }
}
