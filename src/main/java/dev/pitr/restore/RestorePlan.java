package dev.pitr.restore;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.pitr.wal.Lsn;

import dev.pitr.wal.PinnedTransaction;
import dev.pitr.wal.WalSegmentName;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a restore will do, decided before anything is changed; the journal keeps it verbatim. In parts:
 * the backup it starts from, where replay stops, where the copy goes, the WAL it needs; and what it is for.
 */
public record RestorePlan(@JsonIgnore Source source, @JsonIgnore Stop stop, @JsonIgnore Destination destination,
                          @JsonIgnore Wal wal, @JsonProperty("checks") List<String> checks,
                          @JsonProperty("environment") String environment,
                          @JsonProperty("subject") RestoreSubject subject) {

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

    @JsonProperty("repo")
    public String repo() {
        return source.repo();
    }

    @JsonProperty("backup_id")
    public String backupId() {
        return source.backupId();
    }

    @JsonProperty("backup_stop_time")
    public Instant backupStopTime() {
        return source.stopTime();
    }

    @JsonProperty("backup_stop_lsn")
    public Lsn backupStopLsn() {
        return source.stopLsn();
    }

    @JsonProperty("backup_timeline")
    public int backupTimeline() {
        return source.timeline();
    }

    @JsonProperty("system_identifier")
    public String systemIdentifier() {
        return source.systemIdentifier();
    }

    @JsonProperty("pg_major")
    public int pgMajor() {
        return source.pgMajor();
    }

    @JsonProperty("wal_segment_size")
    public int walSegmentSize() {
        return source.walSegmentSize();
    }

    @JsonProperty("backup_bytes")
    public long backupBytes() {
        return source.bytes();
    }

    @JsonProperty("target")
    public RecoveryTarget target() {
        return stop.target();
    }

    @JsonProperty("inclusive")
    public boolean inclusive() {
        return stop.inclusive();
    }

    @JsonProperty("timeline")
    public String timeline() {
        return stop.timeline();
    }

    @JsonProperty("recovery_settings")
    public Map<String, String> recoverySettings() {
        return stop.recoverySettings();
    }

    @JsonProperty("pgdata")
    public Path pgdata() {
        return destination.pgdata();
    }

    @JsonProperty("state_dir")
    public Path stateDir() {
        return destination.stateDir();
    }

    @JsonProperty("port")
    public int port() {
        return destination.port();
    }

    @JsonProperty("moved_aside")
    public Optional<Path> movedAside() {
        return destination.movedAside();
    }

    @JsonProperty("tablespaces")
    public Map<String, Path> tablespaces() {
        return destination.tablespaces();
    }

    @JsonProperty("disk_needed")
    public long diskNeeded() {
        return destination.diskNeeded();
    }

    @JsonProperty("disk_free")
    public long diskFree() {
        return destination.diskFree();
    }

    @JsonProperty("wal_files")
    public List<String> walFiles() {
        return wal.files();
    }

    /** How many of the planned segments are in the spool before replay starts; the rest follow replay. */
    public static final int SEGMENTS_BEFORE_REPLAY = 16;

    /**
     * The WAL fetched before the copy starts: the history files and the first {@link #SEGMENTS_BEFORE_REPLAY}
     * segments. The rest is fetched while replay runs, a bounded distance ahead of it (REPLAY), so that the
     * extraction does not share the machine with a download of the whole range, nor the disk and page cache
     * with all of it at once. A plan over more than one timeline is fetched whole, as before.
     */
    @JsonIgnore
    public List<String> walBeforeReplay() {
        List<WalSegmentName> segments = segments(walFiles());
        if (segments.stream().map(WalSegmentName::timeline).distinct().count() > 1) {
            return walFiles();
        }
        List<String> out = new java.util.ArrayList<>();
        int taken = 0;
        for (String name : walFiles()) {
            boolean segment = WalSegmentName.parse(name).isPresent();
            if (!segment || taken++ < SEGMENTS_BEFORE_REPLAY) {
                out.add(name);
            }
        }
        return out;
    }

    /** The segments among {@code names} (history files and others left out). */
    static List<WalSegmentName> segments(List<String> names) {
        return names.stream().map(WalSegmentName::parse).flatMap(Optional::stream).toList();
    }

    @JsonProperty("wal_bytes")
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

    @JsonProperty("delta")
    boolean delta() {
        return destination.delta();
    }

    /**
     * The plan as the journal and 'restore plan --json' hold it: one flat object (the parts are how the code
     * reads it), so the scripts that read {@code plan.port} or {@code plan.backupId} keep working.
     */
    @JsonCreator
    static RestorePlan fromJson(@JsonProperty("repo") String repo, @JsonProperty("backup_id") String backupId,
                                @JsonProperty("backup_stop_time") Instant backupStopTime,
                                @JsonProperty("backup_stop_lsn") Lsn backupStopLsn,
                                @JsonProperty("backup_timeline") int backupTimeline,
                                @JsonProperty("system_identifier") String systemIdentifier,
                                @JsonProperty("pg_major") int pgMajor, @JsonProperty("wal_segment_size") int walSegmentSize,
                                @JsonProperty("backup_bytes") long backupBytes,
                                @JsonProperty("target") RecoveryTarget target, @JsonProperty("inclusive") boolean inclusive,
                                @JsonProperty("timeline") String timeline,
                                @JsonProperty("recovery_settings") Map<String, String> recoverySettings,
                                @JsonProperty("pgdata") Path pgdata, @JsonProperty("state_dir") Path stateDir,
                                @JsonProperty("port") int port, @JsonProperty("moved_aside") Optional<Path> movedAside,
                                @JsonProperty("delta") boolean delta, @JsonProperty("tablespaces") Map<String, Path> tablespaces,
                                @JsonProperty("disk_needed") long diskNeeded, @JsonProperty("disk_free") long diskFree,
                                @JsonProperty("wal_files") List<String> walFiles, @JsonProperty("wal_bytes") long walBytes,
                                @JsonProperty("checks") List<String> checks, @JsonProperty("environment") String environment,
                                @JsonProperty("subject") RestoreSubject subject) {
        return new RestorePlan(new Source(repo, backupId, backupStopTime, backupStopLsn, backupTimeline, systemIdentifier,
                pgMajor, walSegmentSize, backupBytes), new Stop(target, inclusive, timeline, recoverySettings),
                new Destination(pgdata, stateDir, port, movedAside == null ? Optional.empty() : movedAside, delta,
                        tablespaces, diskNeeded, diskFree), new Wal(walFiles, walBytes), checks, environment, subject);
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
