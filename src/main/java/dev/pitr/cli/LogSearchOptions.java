package dev.pitr.cli;

import dev.pitr.target.StopBefore;
import dev.pitr.target.WalRefinement;
import dev.pitr.target.TargetFromWal;
import dev.pitr.target.wal.CatalogAtBackup;
import dev.pitr.source.BackupSource;
import dev.pitr.target.wal.LiveRelations;
import dev.pitr.target.wal.RelationLookup;
import dev.pitr.target.wal.TableForensics;
import dev.pitr.target.wal.SuspectLocator;
import dev.pitr.core.PitrException;
import dev.pitr.target.sql.DestructiveStatement;
import dev.pitr.target.log.LogFormat;
import dev.pitr.target.log.LogZone;
import dev.pitr.target.TargetQuery;
import dev.pitr.restore.RecoveryTarget;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The log search flags, shared by 'target find' and 'restore ... --target-from-log'. */
final class LogSearchOptions {
    @Option(names = "--log", paramLabel = "FILE|DIR", description = "server log files or directories (default: log-directory)")
    List<Path> logs = new java.util.ArrayList<>();

    @Option(names = "--format", description = "stderr, csvlog, jsonlog, syslog, journal_json, cnpg_json or docker_json (default: detected)")
    LogFormat format;

    @Option(names = "--log-line-prefix", paramLabel = "PREFIX", description = "log_line_prefix of the stderr log (default: config, then the server's, then detected from the log)")
    String logLinePrefix;

    @Option(names = "--log-timezone", paramLabel = "ZONE", description = "the server's log_timezone, e.g. Europe/Berlin (resolves CET/CEST across DST)")
    String logTimezone;

    @Option(names = "--table", paramLabel = "NAME", description = "the table that was hit (schema-qualified or not, quoted or not)")
    String table;

    @Option(names = "--statement", paramLabel = "REGEX", description = "a regex the statement must match")
    String statement;

    @Option(names = "--year", paramLabel = "YYYY", description = "the year of syslog's traditional time stamps, which print none (default: the file's)")
    Integer year;

    @Option(names = "--database", paramLabel = "DB") String database;
    @Option(names = "--stop-before", paramLabel = "commit|first-record", defaultValue = "commit",
            description = "once the WAL pins the transaction: stop just before its commit (default: no other commit is"
                    + " lost) or before its first WAL record")
    String stopBefore;
    @Option(names = "--user", paramLabel = "USER") String user;
    @Option(names = "--since", paramLabel = "TIME") String since;
    @Option(names = "--until", paramLabel = "TIME") String until;

    /** A setting read from the configured server, when it is reachable (the logs may outlive it). */
    private static Optional<String> fromServer(Session session, String setting) {
        try {
            Optional<String> v = session.settings().server().queryOne("SHOW " + setting);
            v.ifPresent(x -> session.output().verbose(setting + " from the server: '" + x + "'"));
            return v;
        } catch (PitrException e) {
            return Optional.empty();
        }
    }

    /** The WAL refinement: the repository's WAL, the live server for the table's files, the chosen stop. */
    WalRefinement walRefinement(Session session) {
        return new WalRefinement(new SuspectLocator(session.source().wal(), session.binaries(),
                session.output()::progress), Optional.of(session.settings().server()), Optional.ofNullable(database),
                StopBefore.parse(stopBefore));
    }

    @Option(names = "--xid-from-wal", paramLabel = "XID",
            description = "when the WAL alone is searched: the transaction to stop before, among those it lists")
    Long xidFromWal;

    /**
     * The search in the WAL alone, for when no log shows the statement: the table's files from the live server,
     * or for a dropped table from the newest backup ended before --since.
     */
    TargetFromWal walAlone(Session session) {
        String db = Optional.ofNullable(database).orElse(session.settings().applicationDatabase());
        var server = session.settings().server();
        Optional<java.time.Instant> before = Optional.ofNullable(since).map(s -> RecoveryTarget.parseTime(s,
                ZoneId.systemDefault()));
        BackupSource source = session.source();
        RelationLookup asBefore = new CatalogAtBackup(source, RestoreCommand.steps(session),
                session.settings().environment(), before, session.output()::progress);
        return new TargetFromWal(new TableForensics(source.wal(), session.binaries(), session.output()::progress),
                (d, schema, name) -> LiveRelations.of(server, d, schema, name), asBefore, db,
                StopBefore.parse(stopBefore));
    }

    Optional<Long> pick() {
        return Optional.ofNullable(xidFromWal);
    }

    TargetQuery query(Session session) {
        List<Path> files = logs.isEmpty()
                ? session.settings().logDirectory().map(List::of).orElse(List.of()) // none: the WAL alone, with --table
                : logs.stream().map(session::resolve).toList();
        // the prefix: the flag, the config, the running server; else detected from the log itself
        Optional<String> prefix = Optional.ofNullable(logLinePrefix);
        String prefixSource = "--log-line-prefix";
        if (prefix.isEmpty() && session.settings().logLinePrefix().isPresent()) {
            prefix = session.settings().logLinePrefix();
            prefixSource = "log-line-prefix in the config";
        }
        if (prefix.isEmpty()) {
            prefix = fromServer(session, "log_line_prefix");
            prefixSource = "the server's log_line_prefix";
        }
        Optional<String> zoneName = Optional.ofNullable(logTimezone);
        String zoneSource = "--log-timezone";
        if (zoneName.isEmpty() && session.settings().logTimezone().isPresent()) {
            zoneName = session.settings().logTimezone();
            zoneSource = "log-timezone in the config";
        }
        if (zoneName.isEmpty() && logLinePrefix == null) {
            zoneName = fromServer(session, "log_timezone");
            zoneSource = "the server's log_timezone";
        }
        String flag = zoneSource;
        Optional<ZoneId> zone = zoneName.map(z -> {
            try {
                return ZoneId.of(z);
            } catch (java.time.DateTimeException e) {
                throw PitrException.usage(flag + " '" + z + "' is not a zone like Europe/Berlin or UTC");
            }
        });
        Optional<Pattern> regex;
        try {
            regex = Optional.ofNullable(statement).map(s -> Pattern.compile(s, Pattern.CASE_INSENSITIVE | Pattern.DOTALL));
        } catch (PatternSyntaxException e) {
            throw PitrException.usage("--statement '" + statement + "' is not a valid regex: " + e.getDescription());
        }
        ZoneId local = zone.orElse(ZoneId.systemDefault());
        return new TargetQuery(files, Optional.ofNullable(format), prefix, prefixSource, new LogZone(zone, zoneSource,
                w -> { }), Optional.ofNullable(table).map(DestructiveStatement.QualifiedName::parse), regex,
                Optional.ofNullable(database), Optional.ofNullable(user),
                Optional.ofNullable(since).map(s -> RecoveryTarget.parseTime(s, local)),
                Optional.ofNullable(until).map(s -> RecoveryTarget.parseTime(s, local)),
                year == null ? OptionalInt.empty() : OptionalInt.of(year));
    }
}
