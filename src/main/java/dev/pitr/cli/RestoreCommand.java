package dev.pitr.cli;

import dev.pitr.source.BackupSource;
import dev.pitr.core.ExitCode;
import dev.pitr.restore.RestoreSubject;
import dev.pitr.wal.Lsn;
import dev.pitr.config.Settings;
import dev.pitr.core.PitrException;
import dev.pitr.target.Candidate;
import dev.pitr.target.TargetFromLog;
import dev.pitr.pg.PgCtl;
import dev.pitr.restore.RecoveryTarget;
import dev.pitr.restore.RestoreJournal;
import dev.pitr.restore.RestorePlan;
import dev.pitr.restore.RestorePlanner;
import dev.pitr.wal.ArchiveHorizon;
import dev.pitr.restore.RestoreRequest;
import dev.pitr.restore.RestoreRunner;
import dev.pitr.restore.RestoreState;
import dev.pitr.restore.RestoreSteps;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Restore to a point in time as a journaled, resumable state machine.")
final class RestoreCommand {
    /** Registered by {@link PitrCommand#register}: picocli builds the model only of the one a run names. */
    static final List<Class<?>> SUBCOMMANDS = List.of(Plan.class, Run.class, Resume.class, Status.class, Verify.class,
            Promote.class, Abort.class);

    /** Exactly one target. */
    static final class Target {
        @Option(names = "--target-time", paramLabel = "TIME",
                description = "ISO-8601 with zone, or zone-less in --timezone") String time;
        @Option(names = "--target-xid", paramLabel = "XID") Long xid;
        @Option(names = "--target-lsn", paramLabel = "LSN") String lsn;
        @Option(names = "--target-name", paramLabel = "NAME", description = "a pg_create_restore_point name") String name;
        @Option(names = "--target-immediate", description = "stop as soon as the backup is consistent") boolean immediate;
        @Option(names = "--target-latest", description = "replay all archived WAL") boolean latest;
        @Option(names = "--target-from-log", description = "the target 'pitr target find' recommends (same --log/--table/... flags)")
        boolean fromLog;
    }

    /** Flags shared by plan and run. */
    static final class PlanOptions {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Option(names = "--inclusive", negatable = true, defaultValue = "false",
                description = "stop after (--inclusive) or just before (default) the target")
        boolean inclusive;

        @Option(names = "--timeline", defaultValue = "latest", description = "latest, current or a number (default ${DEFAULT-VALUE})")
        String timeline;

        @Option(names = "--timezone", paramLabel = "ZONE", description = "zone for a zone-less --target-time (default: this machine's)")
        String timezone;

        @Option(names = "--pgdata", paramLabel = "DIR", description = "new data directory to restore into (with --in-place:"
                + " the configured pgdata)")
        Path pgdata;

        @Option(names = "--port", description = "port for the restored server (default: a free one)")
        Integer port;

        @Option(names = "--backup", paramLabel = "ID", description = "use this backup instead of the newest that fits")
        String backup;

        @Option(names = "--check", paramLabel = "SQL", description = "a query that must return true on the restored copy")
        List<String> checks = new java.util.ArrayList<>();

        @Option(names = "--in-place", description = "restore the configured cluster's own data directory (server stopped);"
                + " the old one is moved aside, never deleted")
        boolean inPlace;

        @Option(names = "--tablespace-map", paramLabel = "OLD=NEW", description = "where a tablespace of the backup"
                + " goes (OLD: its location or OID); every tablespace must be mapped")
        Map<String, String> tablespaceMap = new java.util.LinkedHashMap<>();

        @Option(names = "--delta", description = "--pgdata holds an older copy of this cluster (server stopped): keep the"
                + " files that match the backup, rewrite the rest, remove what the backup does not have")
        boolean delta;

        @picocli.CommandLine.ArgGroup(exclusive = false, heading = "With --target-from-log:%n")
        LogSearchOptions search;

        /** The statement and transaction --target-from-log chose: the plan shows them, VERIFY runs in its database. */
        private Optional<TargetFromLog.Choice> fromLog = Optional.empty();

        /**
         * The application's database: --database, else the statement's when the target came from the log, else
         * the config's; and the table that was hit.
         */
        private RestoreSubject subject(Session session) {
            Optional<String> db = Optional.ofNullable(search).flatMap(s -> Optional.ofNullable(s.database))
                    .or(() -> fromLog.map(c -> c.candidate().database()));
            Optional<String> table = Optional.ofNullable(search).flatMap(s -> Optional.ofNullable(s.table))
                    .or(() -> fromLog.flatMap(c -> c.candidate().objects().stream().findFirst()));
            return new RestoreSubject(db.orElse(session.settings().applicationDatabase()), table,
                    fromLog.flatMap(TargetFromLog.Choice::pinned));
        }

        RestoreRequest request(Session session) {
            Path dir;
            Optional<Integer> restorePort = Optional.ofNullable(port);
            if (delta && inPlace) {
                throw PitrException.usage("--delta rewrites the directory, --in-place keeps the old one whole beside"
                        + " the restored one: choose one");
            }
            if (inPlace) {
                dir = Optional.ofNullable(pgdata).map(session::resolve).or(() -> session.settings().pgdata()).orElseThrow(() ->
                        PitrException.usage("--in-place needs the cluster's pgdata (config 'pgdata' or --pgdata)"));
                restorePort = restorePort.or(() -> Optional.of(session.settings().port())); // the cluster's own port
            } else {
                dir = Optional.ofNullable(pgdata).map(session::resolve).orElseThrow(() -> PitrException.usage(
                        "--pgdata DIR is required: a new, empty directory for the restored copy (or --in-place)"));
            }
            Path target = dir;
            session.settings().repo().filter(r -> r.startsWith("file://")).map(r -> Path.of(r.substring("file://".length())))
                    .filter(root -> target.toAbsolutePath().normalize().startsWith(root.toAbsolutePath().normalize())
                            || root.toAbsolutePath().normalize().startsWith(target.toAbsolutePath().normalize()))
                    .ifPresent(root -> {
                        throw PitrException.usage("--pgdata " + target + " overlaps the repository " + root
                                + ": restore into a directory outside it");
                    });
            if (delta && session.settings().pgdata().map(p -> sameDirectory(p, target)).orElse(false)) {
                throw PitrException.refused("--delta on " + dir + ", the cluster's own pgdata, would replace production"
                        + " and its newest WAL: use --in-place (which keeps the old directory whole) or a new directory");
            }
            RecoveryTarget chosen = target(session);
            return new RestoreRequest(chosen, inclusive, timeline, dir, restorePort, Optional.ofNullable(backup),
                    checks, inPlace, delta, tablespaceMap.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                            Map.Entry::getKey, e -> session.resolve(Path.of(e.getValue())).toString())), subject(session));
        }

        private RecoveryTarget target(Session session) {
            if (target.fromLog) {
                if (search == null) {
                    throw PitrException.usage("--target-from-log needs the log search flags, e.g. --log DIR --table NAME");
                }
                var result = TargetFromLog.search(search.query(session), Optional.of(search.walRefinement(session)),
                        Optional.of(search.walAlone(session)), search.pick(), session.output()::progress);
                TargetFromLog.Choice choice = TargetFromLog.choose(result);
                Candidate best = choice.candidate();
                session.output().progress("target from log: " + best.kind() + " at " + best.timeText() + " ["
                        + best.location() + "]: " + best.sql().lines().findFirst().orElse(""));
                session.output().progress(choice.recommendation().reason() + "; precision "
                        + choice.recommendation().precisionWindow());
                choice.recommendation().notPinned().ifPresent(why -> session.output().progress("not pinned by the WAL: " + why));
                session.confirmTarget("restore to just before this statement");
                inclusive = false;
                fromLog = Optional.of(choice);
                return choice.target();
            }
            if (target.time != null) {
                ZoneId zone = timezone == null ? ZoneId.systemDefault() : ZoneId.of(timezone);
                RecoveryTarget.Time t = new RecoveryTarget.Time(RecoveryTarget.parseTime(target.time, zone));
                session.output().progress("target time '" + target.time + "' = " + t.describe()
                        + (hasZone(target.time) ? "" : " (zone-less, read in " + zone + ")"));
                return t;
            }
            if (target.xid != null) {
                return new RecoveryTarget.Xid(target.xid);
            }
            if (target.lsn != null) {
                return new RecoveryTarget.AtLsn(Lsn.parse(target.lsn));
            }
            if (target.name != null) {
                return new RecoveryTarget.Name(target.name);
            }
            return target.immediate ? new RecoveryTarget.Immediate() : new RecoveryTarget.Latest();
        }

        private static boolean sameDirectory(Path a, Path b) {
            try {
                return Files.exists(a) && Files.exists(b) ? Files.isSameFile(a, b)
                        : a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
            } catch (java.io.IOException e) {
                return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
            }
        }

        private static boolean hasZone(String t) {
            return t.matches(".*([+-]\\d\\d(:?\\d\\d)?|Z|\\s[A-Za-z_]+/?[A-Za-z_]*)$");
        }
    }

    static RestorePlan plan(Session session, PlanOptions options) {
        if (!options.timeline.matches("latest|current|\\d+")) {
            throw PitrException.usage("--timeline '" + options.timeline + "' must be latest, current or a number");
        }
        BackupSource source = session.source();
        return new RestorePlanner(source, session.settings().environment(),
                new ArchiveHorizon(source.wal(), session.binaries())).plan(options.request(session));
    }

    static RestoreRunner runner(Session session) {
        return new RestoreRunner(steps(session), session.output()::progress);
    }

    /** The restore steps wired to this session's repository, binaries and launcher. */
    static RestoreSteps steps(Session session) {
        Settings s = session.settings();
        Map<String, String> env = new HashMap<>();
        s.repo().ifPresent(r -> env.put("PITR_REPO", r));
        s.s3().endpoint().ifPresent(e -> env.put("PITR_S3_ENDPOINT", e.toString()));
        env.put("PITR_S3_REGION", s.s3().region());
        env.put("PITR_S3_PATH_STYLE", Boolean.toString(s.s3().pathStyle()));
        return new RestoreSteps(session.source(), new PgCtl(session.binaries()),
                new RestoreSteps.ServerAccess(Launcher.path(), env, Duration.ofHours(6),
                        session.output().progressBar("FETCH_BACKUP"), s.processMax()), session.output()::progress);
    }

    static Path stateDir(Session session, Path pgdata) {
        return RestorePlan.stateDirFor(session.resolve(pgdata));
    }

    @Command(name = "plan", mixinStandardHelpOptions = true, description = "Show what a restore would do; change nothing.")
    static final class Plan extends BaseCommand {
        @Mixin
        PlanOptionsMixin options;

        @Override
        int execute(Session session) {
            RestorePlan plan = plan(session, options.options);
            if (session.output().json()) {
                session.output().printJson(plan);
            } else {
                RestoreReport.printPlan(session.output(), plan);
            }
            return 0;
        }
    }

    /** picocli mixes in a class with @ArgGroup through a holder. */
    static final class PlanOptionsMixin {
        @ArgGroup(exclusive = false, multiplicity = "1", heading = "Restore target and destination:%n")
        PlanOptions options;
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Plan and run a restore up to READY (paused at the target).")
    static final class Run extends BaseCommand {
        @Override
        boolean audited() {
            return true;
        }

        @Mixin
        PlanOptionsMixin options;

        @Option(names = "--promote", description = "promote after a successful verify")
        boolean promote;

        @Override
        int execute(Session session) {
            RestorePlan plan = plan(session, options.options);
            RestoreReport.printPlan(session.output().json() ? null : session.output(), plan);
            if (promote) { // asked before anything starts, so an unattended run fails fast
                session.confirm("restore and then promote a copy at " + plan.pgdata());
            }
            if (plan.inPlace()) {
                session.confirm("restore the cluster's own data directory " + plan.pgdata() + " in place (the old one is"
                        + " moved to " + plan.movedAside().orElseThrow() + ")");
            } else if (session.settings().pgdata().map(p -> p.toAbsolutePath().normalize().equals(plan.pgdata())).orElse(false)) {
                session.confirm("restore into the configured data directory " + plan.pgdata());
            }
            RestoreRunner runner = runner(session);
            RestoreJournal journal = runner.run(plan);
            if (promote) {
                journal = runner.promote(plan.stateDir());
            }
            RestoreReport.printOutcome(session.output(), journal);
            return 0;
        }
    }

    /** --pgdata of an existing restore. */
    static final class Existing {
        @Option(names = "--pgdata", required = true, paramLabel = "DIR", description = "data directory of the restore")
        Path pgdata;
    }

    /** A command on a restore that already exists: audited, since it changes or ends it. */
    abstract static class OnExisting extends BaseCommand {
        @Mixin
        Existing existing;

        @Override
        boolean audited() {
            return true;
        }

        Path stateDir(Session session) {
            return RestoreCommand.stateDir(session, existing.pgdata);
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Continue a restore after a crash or a fixed failure.")
    static final class Resume extends OnExisting {
        @Override
        int execute(Session session) {
            RestoreJournal journal = runner(session).resume(stateDir(session));
            RestoreReport.printOutcome(session.output(), journal);
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Print the restore's journal as a timeline.")
    static final class Status extends OnExisting {
        @Override
        boolean audited() {
            return false;
        }

        @Override
        int execute(Session session) {
            Path dir = stateDir(session);
            if (!Files.exists(dir.resolve("journal.json"))) {
                throw PitrException.usage("no restore journal beside " + existing.pgdata + " (looked in " + dir + ")");
            }
            RestoreJournal journal = RestoreJournal.load(dir);
            if (session.output().json()) {
                session.output().printJson(journal);
            } else {
                RestoreReport.printTimeline(session.output(), journal);
            }
            if (journal.onlyChecksFailed()) { // the copy is at its target: a check failed, not the restore
                return ExitCode.VERIFICATION_FAILED.code();
            }
            return journal.state() == RestoreState.FAILED ? ExitCode.IO_FAILURE.code() : 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, description = {"Run VERIFY again on a copy that reached"
            + " its target, with new checks (a wrong check never traps a good copy).", "Exit 3 when a check fails."})
    static final class Verify extends OnExisting {
        @Option(names = "--check", paramLabel = "SQL", description = "a query that must return true (replaces the"
                + " restore's checks)")
        List<String> checks = new java.util.ArrayList<>();

        @Option(names = "--database", paramLabel = "DB", description = "database the checks run in (default: the"
                + " restore's)")
        String database;

        @Override
        int execute(Session session) {
            RestoreJournal before = RestoreJournal.load(stateDir(session));
            RestoreRunner runner = runner(session);
            try {
                RestoreJournal journal = runner.reverify(stateDir(session), checks,
                        database != null ? database : before.plan().subject().database());
                RestoreReport.printOutcome(session.output(), journal);
                return 0;
            } catch (PitrException e) {
                RestoreJournal after = RestoreJournal.load(stateDir(session));
                if (after.onlyChecksFailed()) {
                    RestoreReport.printOutcome(session.output(), after);
                    return ExitCode.VERIFICATION_FAILED.code();
                }
                throw e;
            }
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "End recovery: make the restored copy writable.")
    static final class Promote extends OnExisting {
        @Option(names = "--resume-archiving", description = "in-place restores: archive the new timeline into the repository")
        boolean resumeArchiving;

        @Override
        int execute(Session session) {
            session.confirm("promote the restored copy at " + session.resolve(existing.pgdata));
            RestoreJournal journal = runner(session).promote(stateDir(session), resumeArchiving);
            RestoreReport.printOutcome(session.output(), journal);
            return 0;
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true, description = {"Stop the restored server and mark the"
            + " restore aborted; its files are kept for inspection.", "--remove also deletes the copy and its state"
            + " directory (never an in-place restore or the configured pgdata)."})
    static final class Abort extends OnExisting {
        @Option(names = "--remove", description = "delete the copy and its state directory too (asks first)")
        boolean remove;

        @Override
        int execute(Session session) {
            if (!remove) {
                RestoreJournal journal = runner(session).abort(stateDir(session));
                session.output().println("restore into " + journal.plan().pgdata() + " aborted; files kept for inspection");
                return 0;
            }
            session.confirm("delete the restored copy at " + session.resolve(existing.pgdata) + " and its state directory");
            RestoreJournal journal = runner(session).remove(stateDir(session), session.settings().pgdata().map(session::resolve));
            session.output().println("restore into " + journal.plan().pgdata() + " aborted; the copy and its state"
                    + " directory removed");
            return 0;
        }
    }
}
