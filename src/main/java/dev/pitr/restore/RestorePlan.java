package dev.pitr.restore;

import dev.pitr.wal.Lsn;

import dev.pitr.wal.PinnedTransaction;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything a restore will do, decided before anything is changed; the journal keeps it verbatim. */
public record RestorePlan(String repo,
                          String backupId,
                          Instant backupStopTime,
                          Lsn backupStopLsn,
                          int backupTimeline,
                          String systemIdentifier,
                          int pgMajor,
                          int walSegmentSize,
                          RecoveryTarget target,
                          boolean inclusive,
                          String timeline,
                          Path pgdata,
                          Path stateDir,
                          int port,
                          List<String> walFiles,
                          long backupBytes,
                          long walBytes,
                          long diskNeeded,
                          long diskFree,
                          Map<String, String> recoverySettings,
                          List<String> checks,
                          String environment,
                          Optional<Path> movedAside,
                          boolean delta,
                          Map<String, Path> tablespaces,
                          RestoreSubject subject) {
    public RestorePlan {
        tablespaces = tablespaces == null ? Map.of() : Map.copyOf(tablespaces); // journals from before tablespaces
        subject = subject == null ? RestoreSubject.of("postgres") : subject; // journals from before subjects
    }

    /** The same plan with other checks, run in {@code database}: what 'restore verify' changes. */
    public RestorePlan withChecks(List<String> newChecks, String database) {
        return new RestorePlan(repo, backupId, backupStopTime, backupStopLsn, backupTimeline, systemIdentifier, pgMajor,
                walSegmentSize, target, inclusive, timeline, pgdata, stateDir, port, walFiles, backupBytes, walBytes,
                diskNeeded, diskFree, recoverySettings, List.copyOf(newChecks), environment, movedAside, delta, tablespaces,
                new RestoreSubject(database, subject.table(), subject.suspect()));
    }

    /** The transaction the WAL pinned, when the target came from the log. */
    public Optional<PinnedTransaction> suspect() {
        return subject.suspect();
    }

    /** In place: the cluster's own data directory is restored; its old contents are moved here, never deleted. */
    public boolean inPlace() {
        return movedAside.isPresent();
    }

    /**
     * Delta: PGDATA holds an older copy of this cluster; files that already match the backup are kept, the rest
     * rewritten, files the backup does not have removed. Saves the writes, not the download.
     */
    public boolean reusesFiles() {
        return delta;
    }

    public Path spool() {
        return stateDir.resolve("spool");
    }

    public Path serverLog() {
        return stateDir.resolve("server.log");
    }

    /** Written when recovery was ended on the copy rather than left paused, saying why (VERIFY reads it). */
    public Path recoveryEndedNote() {
        return stateDir.resolve("recovery-ended.txt");
    }

    public Path journalFile() {
        return stateDir.resolve("journal.json");
    }

    /** Where the restore keeps its journal, spool and server log: beside PGDATA, never inside it. */
    public static Path stateDirFor(Path pgdata) {
        Path abs = pgdata.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + ".pitr");
    }
}
