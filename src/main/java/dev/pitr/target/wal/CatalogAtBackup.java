package dev.pitr.target.wal;

import dev.pitr.restore.RecoveryTarget;
import dev.pitr.restore.RestorePlan;
import dev.pitr.restore.RestorePlanner;
import dev.pitr.restore.RestoreRequest;
import dev.pitr.restore.RestoreRunner;
import dev.pitr.restore.RestoreSteps;

import dev.pitr.core.PitrException;
import dev.pitr.core.Trees;
import dev.pitr.pg.PgConnection;
import dev.pitr.source.BackupSource;
import dev.pitr.source.SourceCatalog;
import dev.pitr.wal.ArchiveHorizon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A table's files as a backup's catalog knew them, for a table the live server no longer has (dropped, by hand
 * or inside a function): the newest backup that ended before {@code before} is restored into a scratch directory
 * to its end (the earliest consistent point), asked with pg_relation_filenode, stopped and removed.
 */
public final class CatalogAtBackup implements RelationLookup {
    private final BackupSource source;
    private final RestoreSteps steps;
    private final String environment;
    private final Optional<Instant> before;
    private final Consumer<String> progress;

    /** {@code source}: pitr's repository or another tool's; {@code steps}: the restore's, wired to it. */
    public CatalogAtBackup(BackupSource source, RestoreSteps steps, String environment, Optional<Instant> before,
                           Consumer<String> progress) {
        this.source = source;
        this.steps = steps;
        this.environment = environment;
        this.before = before;
        this.progress = progress;
    }

    @Override
    public LiveRelations.Lookup lookup(String database, Optional<String> schema, String table) {
        List<SourceCatalog.Backup> backups = source.catalog().backups().stream()
                .filter(b -> before.map(t -> b.span().stopTime().isBefore(t)).orElse(true))
                .sorted(Comparator.comparing((SourceCatalog.Backup b) -> b.span().stopTime())).toList();
        if (backups.isEmpty()) {
            return new LiveRelations.Lookup(Optional.empty(), Set.of(), "no complete backup"
                    + before.map(t -> " ended before " + t).orElse("") + " to read the table's files from");
        }
        SourceCatalog.Backup backup = backups.get(backups.size() - 1);
        Path dir;
        try {
            dir = Files.createTempDirectory("pitr-catalog-");
            dev.pitr.pg.ProcessRunner.giveToServerUser(dir); // the copy's server runs as the server user
        } catch (IOException e) {
            throw PitrException.io("cannot create a scratch directory for the backup's catalog: " + e.getMessage(), e);
        }
        Path pgdata = dir.resolve("data");
        progress.accept("the table is not on the live server: reading its files from backup " + backup.id()
                + "'s catalog (restored to its end in " + dir + ")");
        RestorePlan plan = null;
        try {
            plan = new RestorePlanner(source, environment, new ArchiveHorizon(source.wal(), steps.binaries())).plan(
                    new RestoreRequest(new RecoveryTarget.Immediate(), false, "current", pgdata, Optional.empty(),
                            Optional.of(backup.id()), List.of()));
            new RestoreRunner(steps, progress).run(plan);
            LiveRelations.Lookup found = LiveRelations.of(new PgConnection("127.0.0.1", plan.port(), "postgres", database),
                    database, schema, table);
            return new LiveRelations.Lookup(found.databaseOid(), found.files(), found.files().isEmpty()
                    ? "backup " + backup.id() + " (ended " + backup.span().stopTime() + ") has no table " + table + " either: give"
                    + " --since before the mistake so an older backup is read"
                    : "pg_relation_filenode of " + table + " in backup " + backup.id() + " (ended " + backup.span().stopTime()
                    + "), restored to its end");
        } finally {
            if (plan != null) {
                steps.lifecycle().stopServer(plan);
            }
            try {
                Trees.delete(dir);
            } catch (IOException e) {
                progress.accept("could not remove the scratch directory " + dir + ": " + e.getMessage());
            }
        }
    }
}
