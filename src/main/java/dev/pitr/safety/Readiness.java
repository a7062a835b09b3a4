package dev.pitr.safety;

import dev.pitr.core.PitrException;
import dev.pitr.crypto.KeyCheck;
import dev.pitr.pg.PgConnection;
import dev.pitr.source.BackupSource;
import dev.pitr.source.SourceCatalog;
import dev.pitr.source.SourceKind;
import dev.pitr.wal.ArchiveSpool;
import dev.pitr.wal.SegmentRuns;
import dev.pitr.wal.WalSegmentName;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code pitr check}: is this cluster ready for an incident? Whether its WAL reaches the repository soon, whether
 * its log will show the statement pitr has to find (and how exactly), and whether there is a backup to restore.
 * Each finding names the setting, what it is, what to set and why.
 */
public final class Readiness {
    /** How serious a finding is: FAIL means a restore or a target from the log will not work. */
    public enum Level { OK, WARN, FAIL }

    public record Finding(Level level, String topic, String value, String fix, String why) {
    }

    private static final Duration OLD_BACKUP = Duration.ofDays(7);
    private static final Duration ARCHIVE_STALE = Duration.ofMinutes(15);
    private static final Pattern SPOOL_ARGUMENT = Pattern.compile("--spool\\s+'?([^'\\s]+)");

    private final PgConnection server;
    private final BackupSource source;
    private final String archiveCommand;
    private Optional<Supplier<KeyCheck.Verdict>> encryption = Optional.empty();
    private Optional<RestoreCommandCheck> restoreCommand = Optional.empty();

    /**
     * {@code source}: the repository, whichever tool writes it; {@code archiveCommand}: what to paste into
     * postgresql.conf here (for pitr's own: this launcher, config and spool; else the tool's own command).
     */
    public Readiness(PgConnection server, BackupSource source, String archiveCommand) {
        this.server = server;
        this.source = source;
        this.archiveCommand = archiveCommand;
    }

    /** Also reports the repository's encryption (pitr's own repositories). */
    public Readiness withEncryption(Supplier<KeyCheck.Verdict> check) {
        this.encryption = Optional.of(check);
        return this;
    }

    /**
     * Also tries the restore_command to paste for this cluster ({@code forDataDirectory}: the command for a server
     * whose data directory is the argument) as the server user, on the newest segment archived, in {@code env}.
     */
    public Readiness withRestoreCommand(Function<Path, String> forDataDirectory, Map<String, String> env) {
        this.restoreCommand = Optional.of(new RestoreCommandCheck(forDataDirectory, env));
        return this;
    }

    public List<Finding> check() {
        List<Finding> out = new ArrayList<>();
        Map<String, String> s;
        try {
            s = settings();
        } catch (PitrException e) {
            out.add(new Finding(Level.FAIL, "server", "unreachable", "set host/port/user in pitr.yaml (or PITR_PG*)",
                    e.getMessage()));
            repository(out, Optional.empty());
            return out;
        }
        wal(out, s);
        logging(out, s);
        archiver(out, s);
        pusher(out, s.getOrDefault("archive_command", ""));
        Optional<SourceCatalog> catalog = repository(out, Optional.ofNullable(s.get("system_identifier")));
        restoreCommand.ifPresent(c -> out.add(c.run(Optional.ofNullable(s.get("data_directory")),
                catalog.flatMap(Readiness::newestSegment))));
        encryption.ifPresent(check -> {
            KeyCheck.Verdict v = check.get();
            out.add(new Finding(Level.valueOf(v.severity().name()), "encryption", v.value(), v.fix(), v.why()));
        });
        return out;
    }

    private Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        try (Connection c = server.open(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT name, setting FROM pg_settings WHERE name IN ('wal_level',"
                    + " 'archive_mode', 'archive_command', 'archive_timeout', 'log_statement',"
                    + " 'log_min_duration_statement', 'log_line_prefix', 'log_destination', 'logging_collector',"
                    + " 'track_commit_timestamp', 'log_timezone', 'data_directory')")) {
                while (rs.next()) {
                    s.put(rs.getString(1), rs.getString(2));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
                rs.next();
                s.put("system_identifier", rs.getString(1));
            }
            try (ResultSet rs = st.executeQuery("SELECT archived_count, last_archived_wal, last_archived_time,"
                    + " failed_count, last_failed_wal, last_failed_time, pg_walfile_name(pg_current_wal_lsn())"
                    + " FROM pg_stat_archiver")) {
                rs.next();
                s.put("archived_count", rs.getString(1));
                s.put("last_archived_wal", rs.getString(2));
                s.put("last_archived_time", Optional.ofNullable(rs.getTimestamp(3)).map(t -> t.toInstant().toString()).orElse(null));
                s.put("failed_count", rs.getString(4));
                s.put("last_failed_wal", rs.getString(5));
                s.put("last_failed_time", Optional.ofNullable(rs.getTimestamp(6)).map(t -> t.toInstant().toString()).orElse(null));
                s.put("current_wal", rs.getString(7));
            }
        } catch (SQLException e) {
            throw PitrException.io("cannot read the server's settings: " + e.getMessage(), e);
        }
        return s;
    }

    private void wal(List<Finding> out, Map<String, String> s) {
        String level = s.get("wal_level");
        out.add("minimal".equals(level)
                ? new Finding(Level.FAIL, "wal_level", level, "wal_level = replica (restart)", "WAL at level minimal"
                + " cannot be archived or replayed into a copy")
                : new Finding(Level.OK, "wal_level", level, "", "archived WAL can be replayed"));
        String mode = s.get("archive_mode");
        String command = s.getOrDefault("archive_command", "");
        String paste = "archive_command = '" + archiveCommand + "'";
        if ("off".equals(mode) || command.isBlank()) {
            out.add(new Finding(Level.FAIL, "archive_mode", mode + ", archive_command '" + command + "'",
                    "archive_mode = on, " + paste + " (restart)", "no WAL reaches the repository: nothing after the"
                    + " last backup can be restored"));
        } else if (!command.contains(source.kind().archiver())) {
            out.add(new Finding(Level.WARN, "archive_command", command, paste, "WAL must reach " + source.location()
                    + ", " + source.kind().tool() + "'s repository"));
        } else if (source.kind() == SourceKind.PITR && !command.contains("--async")) {
            out.add(new Finding(Level.WARN, "archive_command", command, paste, "synchronous: one JVM start per"
                    + " segment (about 0.7 s), so a busy primary outruns the archive and every segment behind is"
                    + " data a restore cannot reach; the background pusher keeps up (README: Performance)"));
        } else {
            out.add(new Finding(Level.OK, "archive_command", command, "", "WAL reaches " + source.kind().tool()
                    + "'s repository"));
        }
        int timeout = Integer.parseInt(s.getOrDefault("archive_timeout", "0"));
        out.add(timeout == 0 || timeout > 300
                ? new Finding(Level.WARN, "archive_timeout", timeout == 0 ? "0 (off)" : timeout + " s",
                "archive_timeout = 60", "a segment is archived only when it fills: on a quiet server the incident's"
                + " WAL may sit unarchived for hours (or run SELECT pg_switch_wal() before a restore)")
                : new Finding(Level.OK, "archive_timeout", timeout + " s", "", "WAL is archived within " + timeout
                + " s even when the server is quiet"));
    }

    private static void logging(List<Finding> out, Map<String, String> s) {
        String statement = s.get("log_statement");
        int duration = Integer.parseInt(s.getOrDefault("log_min_duration_statement", "-1"));
        if ("none".equals(statement) && duration < 0) {
            out.add(new Finding(Level.FAIL, "log_statement", "none (and log_min_duration_statement = -1)",
                    "log_statement = 'mod'", "the log shows no statement at all: 'pitr target find' cannot find the"
                    + " DROP or DELETE, and the target must be given by hand"));
        } else if ("ddl".equals(statement) && duration < 0) {
            out.add(new Finding(Level.WARN, "log_statement", "ddl", "log_statement = 'mod'", "DROP is logged, but"
                    + " DELETE, UPDATE and TRUNCATE are not"));
        } else if ("none".equals(statement) || "ddl".equals(statement)) {
            out.add(new Finding(Level.WARN, "log_statement", statement + ", log_min_duration_statement = " + duration
                    + " ms", "log_statement = 'mod'", "statements faster than " + duration + " ms are not logged;"
                    + " those logged are written when they end (pitr takes the duration off)"));
        } else {
            out.add(new Finding(Level.OK, "log_statement", statement, "", "every statement that changes data is logged"
                    + " when it starts"));
        }
        String prefix = s.getOrDefault("log_line_prefix", "");
        List<String> missing = new ArrayList<>();
        if (!prefix.contains("%m") && !prefix.contains("%n")) {
            missing.add(prefix.contains("%t") ? "%m (milliseconds: %t gives whole seconds)" : "%m (no time at all)");
        }
        if (!prefix.contains("%d")) {
            missing.add("%d (which database: a DROP in staging and one in production look alike)");
        }
        if (!prefix.contains("%x")) {
            missing.add("%x (the transaction: an exact stop without a server to ask)");
        }
        if (!prefix.contains("%p") && !prefix.contains("%c")) {
            missing.add("%p (which session: tells a rolled-back statement)");
        }
        out.add(missing.isEmpty()
                ? new Finding(Level.OK, "log_line_prefix", "'" + prefix + "'", "", "time, database, transaction and"
                + " session on every line")
                : new Finding(prefix.contains("%m") || prefix.contains("%n") || prefix.contains("%t") ? Level.WARN
                : Level.FAIL, "log_line_prefix", "'" + prefix + "'", "log_line_prefix = '%m [%p] xid=%x %q%u@%d '",
                "missing " + String.join(", ", missing)));
        out.add("on".equals(s.get("track_commit_timestamp"))
                ? new Finding(Level.OK, "track_commit_timestamp", "on", "", "every commit's time can be read back, so"
                + " what a restore kept is provable")
                : new Finding(Level.WARN, "track_commit_timestamp", s.get("track_commit_timestamp"),
                "track_commit_timestamp = on (restart)", "without it no one can prove which commits a restore"
                + " kept (pg_xact_commit_timestamp)"));
    }

    private static void archiver(List<Finding> out, Map<String, String> s) {
        long failed = Long.parseLong(s.getOrDefault("failed_count", "0"));
        Optional<Instant> lastOk = Optional.ofNullable(s.get("last_archived_time")).map(Instant::parse);
        Optional<Instant> lastFail = Optional.ofNullable(s.get("last_failed_time")).map(Instant::parse);
        if (lastFail.isPresent() && lastOk.map(ok -> lastFail.get().isAfter(ok)).orElse(true)) {
            out.add(new Finding(Level.FAIL, "archiver", "failing: " + failed + " failure(s), last on "
                    + s.get("last_failed_wal") + " at " + lastFail.get(), "see the server log for the archive_command's"
                    + " error; 'pitr wal verify'", "WAL is piling up in pg_wal and not reaching the repository"));
            return;
        }
        if (lastOk.isEmpty()) {
            out.add(new Finding(Level.WARN, "archiver", "nothing archived yet", "SELECT pg_switch_wal()",
                    "the repository has no WAL from this server yet"));
            return;
        }
        Duration age = Duration.between(lastOk.get(), Instant.now());
        out.add(new Finding(age.compareTo(ARCHIVE_STALE) > 0 ? Level.WARN : Level.OK, "archiver", "last archived "
                + s.get("last_archived_wal") + " " + age.toMinutes() + " min ago (writing " + s.get("current_wal") + ")",
                age.compareTo(ARCHIVE_STALE) > 0 ? "SELECT pg_switch_wal() before a restore; set archive_timeout" : "",
                "what is not archived cannot be restored: the age is the data at risk if the primary dies now"));
    }

    /** The background pusher behind {@code wal push --async --spool DIR}: its failures, from its spool. */
    private static void pusher(List<Finding> out, String command) {
        Matcher spoolArg = SPOOL_ARGUMENT.matcher(command);
        if (!command.contains("--async") || !spoolArg.find()) {
            return;
        }
        Path spoolDir = Path.of(spoolArg.group(1));
        Optional<ArchiveSpool> spool = ArchiveSpool.existing(spoolDir);
        if (spool.isEmpty()) {
            out.add(new Finding(Level.WARN, "archive pusher", "no spool at " + spoolDir, "", "the first archive_command"
                    + " call creates it; if WAL was archived since, archive_command points elsewhere"));
            return;
        }
        Optional<ArchiveSpool.Failure> own = spool.get().pusherFailure();
        List<ArchiveSpool.FailedSegment> failed = spool.get().failedSegments();
        String state = spool.get().runningPusher().map(pid -> "running (pid " + pid + ")").orElse("idle");
        if (own.isPresent() || !failed.isEmpty()) {
            String what = own.map(f -> "the pusher failed: " + f.message())
                    .orElseGet(() -> failed.size() + " segment(s) failed, first " + failed.get(0).walName() + ": "
                            + failed.get(0).failure().message());
            out.add(new Finding(Level.FAIL, "archive pusher", state + "; " + what, "fix the cause; PostgreSQL retries"
                    + " (the log: " + spool.get().log() + ")", "a segment the pusher cannot store is not archived"));
            return;
        }
        out.add(new Finding(Level.OK, "archive pusher", state + ", no failures in " + spool.get().dir(), "",
                "every segment it acknowledged is stored"));
    }

    /** The newest segment of the newest timeline in the repository: what a restore_command is tried on. */
    private static Optional<WalSegmentName> newestSegment(SourceCatalog catalog) {
        return catalog.timelines().stream().max(Comparator.comparingInt(SourceCatalog.Timeline::timeline))
                .flatMap(t -> t.runs().stream().reduce((a, b) -> b)).map(SegmentRuns.Run::last);
    }

    /** The repository and backup findings; the catalog, when it could be read. */
    private Optional<SourceCatalog> repository(List<Finding> out, Optional<String> systemIdentifier) {
        String where = source.location();
        SourceCatalog catalog;
        try {
            catalog = source.catalog();
        } catch (PitrException e) {
            out.add(new Finding(Level.FAIL, "repository", where, "check repo and credentials", e.getMessage()));
            return Optional.empty();
        }
        boolean own = source.kind() == SourceKind.PITR;
        if (catalog.cluster().isEmpty()) {
            out.add(new Finding(Level.FAIL, "repository", where + " is empty", "archive_command = '" + archiveCommand
                    + "' and take " + (own ? "'pitr backup create'" : "a backup with " + source.kind().tool()),
                    "nothing to restore from"));
            return Optional.of(catalog);
        }
        String id = catalog.cluster().get().systemIdentifier();
        boolean same = systemIdentifier.map(s -> s.equals(id)).orElse(true);
        out.add(same ? new Finding(Level.OK, "repository", where + " (system identifier " + id + ")"
                + (own ? "" : ", " + source.kind().tool() + "'s, read only"), "", "the repository belongs to this cluster")
                : new Finding(Level.FAIL, "repository", where + " belongs to system " + id + ", the server is "
                + systemIdentifier.get(), "point repo at this cluster's repository", "WAL from another cluster is refused"));
        Optional<SourceCatalog.Backup> newest = catalog.backups().stream()
                .max(Comparator.comparing(b -> b.span().stopTime()));
        String backupCommand = own ? "pitr backup create" : source.kind().writers();
        if (newest.isEmpty()) {
            out.add(new Finding(Level.FAIL, "backup", "none", backupCommand, "a restore starts from a backup"));
            return Optional.of(catalog);
        }
        Duration age = Duration.between(newest.get().span().stopTime(), Instant.now());
        out.add(new Finding(age.compareTo(OLD_BACKUP) > 0 ? Level.WARN : Level.OK, "backup", newest.get().id() + ", "
                + age.toHours() + " h old", age.compareTo(OLD_BACKUP) > 0 ? backupCommand + " (schedule it)" : "",
                "a restore replays all WAL since the backup: an old backup makes a slow restore"));
        return Optional.of(catalog);
    }
}
