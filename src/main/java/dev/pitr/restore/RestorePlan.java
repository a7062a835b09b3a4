package dev.pitr.restore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.pitr.wal.Lsn;

import dev.pitr.wal.PinnedTransaction;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a restore will do, decided before anything is changed; the journal keeps it verbatim. In parts:
 * the backup it starts from, where replay stops, where the copy goes, the WAL it needs; and what it is for.
 */
@JsonIgnoreProperties(value = {"port", "pgdata", "movedAside"}, allowGetters = true)
public record RestorePlan(Source source, Stop stop, Destination destination, Wal wal, List<String> checks,
                          String environment, RestoreSubject subject) {

    /** The backup the restore starts from, and its cluster. */
    public record Source(String repo, String backupId, Instant stopTime, Lsn stopLsn, int timeline,
                         String systemIdentifier, int pgMajor, int walSegmentSize, long bytes) {
    }

    /** Where replay stops: the target, on which timeline, and the recovery settings that say so. */
    public record Stop(RecoveryTarget target, boolean inclusive, String timeline, Map<String, String> recoverySettings) {
    }

    /**
     * Where the copy goes: its data directory and state directory, its port, the moved-aside directory of an
     * in-place restore, whether files already there are reused (--delta), the tablespaces, and the disk it needs.
     */
    public record Destination(Path pgdata, Path stateDir, int port, Optional<Path> movedAside, boolean delta,
                              Map<String, Path> tablespaces, long diskNeeded, long diskFree) {
        public Destination {
            tablespaces = Map.copyOf(tablespaces);
        }
    }

    /** The WAL files replay needs (segments and history files), in order, and their size. */
    public record Wal(List<String> files, long bytes) {
    }

    /** The same plan with other checks, run in {@code database}: what 'restore verify' changes. */
    public RestorePlan withChecks(List<String> newChecks, String database) {
        return new RestorePlan(source, stop, destination, wal, List.copyOf(newChecks), environment,
                new RestoreSubject(database, subject.table(), subject.suspect()));
    }

    // the parts' fields, by the names the steps use

    public String repo() {
        return source.repo();
    }

    public String backupId() {
        return source.backupId();
    }

    public Instant backupStopTime() {
        return source.stopTime();
    }

    public Lsn backupStopLsn() {
        return source.stopLsn();
    }

    public int backupTimeline() {
        return source.timeline();
    }

    public String systemIdentifier() {
        return source.systemIdentifier();
    }

    public int pgMajor() {
        return source.pgMajor();
    }

    public int walSegmentSize() {
        return source.walSegmentSize();
    }

    public long backupBytes() {
        return source.bytes();
    }

    public RecoveryTarget target() {
        return stop.target();
    }

    public boolean inclusive() {
        return stop.inclusive();
    }

    public String timeline() {
        return stop.timeline();
    }

    public Map<String, String> recoverySettings() {
        return stop.recoverySettings();
    }

    /** Also at the plan's top level in the journal: scripts read {@code plan.port} and {@code plan.pgdata}. */
    @JsonProperty("pgdata")
    public Path pgdata() {
        return destination.pgdata();
    }

    public Path stateDir() {
        return destination.stateDir();
    }

    @JsonProperty("port")
    public int port() {
        return destination.port();
    }

    @JsonProperty("movedAside")
    public Optional<Path> movedAside() {
        return destination.movedAside();
    }

    public Map<String, Path> tablespaces() {
        return destination.tablespaces();
    }

    public long diskNeeded() {
        return destination.diskNeeded();
    }

    public long diskFree() {
        return destination.diskFree();
    }

    public List<String> walFiles() {
        return wal.files();
    }

    public long walBytes() {
        return wal.bytes();
    }

    /** The transaction the WAL pinned, when the target came from the log. */
    public Optional<PinnedTransaction> suspect() {
        return subject.suspect();
    }

    /** In place: the cluster's own data directory is restored; its old contents are moved here, never deleted. */
    public boolean inPlace() {
        return destination.movedAside().isPresent();
    }

    /**
     * Delta: PGDATA holds an older copy of this cluster; files that already match the backup are kept, the rest
     * rewritten, files the backup does not have removed. Saves the writes, not the download.
     */
    public boolean reusesFiles() {
        return destination.delta();
    }

    public Path spool() {
        return destination.stateDir().resolve("spool");
    }

    public Path serverLog() {
        return destination.stateDir().resolve("server.log");
    }

    /** Written when recovery was ended on the copy rather than left paused, saying why (VERIFY reads it). */
    public Path recoveryEndedNote() {
        return destination.stateDir().resolve("recovery-ended.txt");
    }

    public Path journalFile() {
        return destination.stateDir().resolve("journal.json");
    }

    /** Where the restore keeps its journal, spool and server log: beside PGDATA, never inside it. */
    public static Path stateDirFor(Path pgdata) {
        Path abs = pgdata.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + ".pitr");
    }
}
