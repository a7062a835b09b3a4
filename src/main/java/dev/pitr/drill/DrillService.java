package dev.pitr.drill;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.core.Trees;
import dev.pitr.pg.PgConnection;
import dev.pitr.source.BackupSource;
import dev.pitr.source.SourceCatalog;
import dev.pitr.restore.RecoveryTarget;
import dev.pitr.restore.RestoreJournal;
import dev.pitr.restore.RestorePlan;
import dev.pitr.restore.RestorePlanner;
import dev.pitr.restore.RestoreRequest;
import dev.pitr.restore.RestoreRunner;
import dev.pitr.restore.RestoreSteps;
import dev.pitr.wal.ArchiveHorizon;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;
import dev.pitr.verify.Check;
import dev.pitr.verify.CheckResult;
import dev.pitr.verify.Verifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;

/**
 * A restore drill: the same state machine an incident uses, into a fresh directory under the scratch dir on
 * a free port, then checks, then (unless kept) the copy is stopped and removed. Never prompts, never touches
 * anything outside the scratch directory, never archives (the restore writes archive_mode = off).
 */
public final class DrillService {
    private static final DateTimeFormatter DIR = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

    /** What to drill. */
    /**
     * What to restore ({@code backup}, {@code target}: latest, random, or an id/time read in {@code zone}), where
     * (a fresh directory under {@code scratch}, on {@code port} or a free one), what to check, and whether to keep it.
     */
    public record Options(Choice choice, Place place, Verification verification, Labels labels, boolean keep) {
    }

    public record Choice(String backup, String target, ZoneId zone) {
    }

    public record Place(Path scratch, Optional<Integer> port) {
    }

    public record Verification(List<Check> checks, String database) {
    }

    /** How the report names the drilled cluster. */
    public record Labels(String cluster, String environment) {
    }

    private final BackupSource source;
    private final RestoreSteps steps;
    private final Consumer<String> progress;
    private final Random random;

    /** {@code source}: pitr's own repository or another tool's (the drill is the same restore over either). */
    public DrillService(BackupSource source, RestoreSteps steps, Consumer<String> progress, Random random) {
        this.source = source;
        this.steps = steps;
        this.progress = progress;
        this.random = random;
    }

    public DrillReport run(Options o) {
        Instant started = Instant.now();
        SourceCatalog catalog = source.catalog();
        WalSource wal = source.wal();
        Double walAge = newestSegmentAt(wal).map(t -> Duration.between(t, started).toMillis() / 1000.0).orElse(null);
        List<SourceCatalog.Backup> complete = catalog.backups().stream()
                .sorted(Comparator.comparing((SourceCatalog.Backup b) -> b.span().stopTime())).toList();
        Double backupAge = complete.isEmpty() ? null
                : Duration.between(complete.get(complete.size() - 1).span().stopTime(), started).toMillis() / 1000.0;
        Path dir = o.place().scratch().toAbsolutePath().normalize().resolve("drill-" + DIR.format(started));
        Path pgdata = dir.resolve("data");
        String backupId = "";
        String targetText = o.choice().target();
        List<DrillReport.Step> stepTimes = new ArrayList<>();
        List<CheckResult> checks = new ArrayList<>();
        String error = null;
        int exit = 0;
        RestoreRunner runner = new RestoreRunner(steps, progress);
        try {
            SourceCatalog.Backup backup = chooseBackup(o.choice().backup(), complete);
            backupId = backup.id();
            RecoveryTarget target = chooseTarget(o.choice().target(), backup, catalog, o.choice().zone());
            targetText = target.describe();
            progress.accept("drill: backup " + backupId + " to " + targetText + " in " + dir);
            Files.createDirectories(dir);
            RestorePlan plan = new RestorePlanner(source, o.labels().environment(), horizon(wal))
                    .plan(new RestoreRequest(target, false, "latest",
                    pgdata, o.place().port(), Optional.of(backupId), List.of()));
            RestoreJournal journal = runner.run(plan);
            if (o.verification().checks().stream().anyMatch(c -> Boolean.TRUE.equals(c.amcheck()))) {
                // amcheck needs a writable copy; this one is scratch and never archives, so promoting it is harmless
                journal = runner.promote(plan.stateDir());
            }
            checks.addAll(new Verifier(new PgConnection("127.0.0.1", plan.port(), "postgres", o.verification().database())).run(o.verification().checks()));
            checks.forEach(c -> progress.accept("drill check " + c.line()));
            if (checks.stream().anyMatch(c -> !c.passed())) {
                exit = ExitCode.VERIFICATION_FAILED.code();
                error = "checks failed: " + checks.stream().filter(c -> !c.passed()).map(CheckResult::name).toList();
            }
            stepTimes.clear();
            stepTimes.addAll(times(journal));
        } catch (PitrException e) {
            error = e.getMessage();
            exit = e.exitCode().code();
            if (Files.exists(RestorePlan.stateDirFor(pgdata).resolve("journal.json"))) {
                stepTimes.clear();
                stepTimes.addAll(times(RestoreJournal.load(RestorePlan.stateDirFor(pgdata))));
            }
        } catch (IOException e) {
            error = "cannot create " + dir + ": " + e.getMessage();
            exit = ExitCode.IO_FAILURE.code();
        } finally {
            if (!o.keep()) {
                cleanUp(dir, pgdata);
            }
        }
        double rto = stepTimes.stream().mapToDouble(DrillReport.Step::seconds).sum();
        return new DrillReport(o.labels().cluster(), o.labels().environment(), source.location(), backupId, targetText, exit == 0, exit, error, rto,
                stepTimes, checks, walAge, backupAge, started, Instant.now());
    }

    private static List<DrillReport.Step> times(RestoreJournal j) {
        return j.steps().stream().map(s -> new DrillReport.Step(s.state().name(), s.endedAt() == null ? 0
                : Duration.between(s.startedAt(), s.endedAt()).toMillis() / 1000.0, s.outcome())).toList();
    }

    private ArchiveHorizon horizon(WalSource wal) {
        return new ArchiveHorizon(wal, steps.binaries());
    }

    /** When the newest archived segment was stored: how old the newest restorable WAL is. */
    private static Optional<Instant> newestSegmentAt(WalSource wal) {
        return wal.timelines().stream().map(tl -> wal.segments(tl).values().stream().max(Comparator.naturalOrder()))
                .flatMap(Optional::stream).max(Comparator.naturalOrder());
    }

    private SourceCatalog.Backup chooseBackup(String which, List<SourceCatalog.Backup> complete) {
        if (complete.isEmpty()) {
            throw PitrException.verification("no complete backup in " + source.location() + " to drill");
        }
        return switch (which) {
            case "latest" -> complete.get(complete.size() - 1);
            case "random" -> complete.get(random.nextInt(complete.size()));
            default -> complete.stream().filter(b -> b.id().equals(which)).findFirst().orElseThrow(() ->
                    PitrException.usage("--backup '" + which + "' is not a complete backup (see 'pitr backup list')"));
        };
    }

    /** latest, random (a time inside the backup's restorable window), or a time. */
    private RecoveryTarget chooseTarget(String which, SourceCatalog.Backup backup, SourceCatalog catalog, ZoneId zone) {
        if (which.equals("latest")) {
            return new RecoveryTarget.Latest();
        }
        if (which.equals("random")) {
            Window w = window(backup, catalog).orElseThrow(() -> PitrException.verification("backup " + backup.id()
                    + " has no restorable window (WAL missing right after it): run 'pitr wal verify'"));
            if (!w.to().isAfter(w.from())) { // no commit archived after the backup: nothing between to pick from
                progress.accept("drill: no commit archived after backup " + backup.id() + ": restoring to the latest WAL");
                return new RecoveryTarget.Latest();
            }
            long span = Math.max(1, Duration.between(w.from(), w.to()).toMillis());
            return new RecoveryTarget.Time(w.from().plusMillis((long) (random.nextDouble() * span)));
        }
        return new RecoveryTarget.Time(RecoveryTarget.parseTime(which, zone));
    }

    /** The times a time target from {@code backup} reaches: from its end to the newest commit archived after it. */
    record Window(Instant from, Instant to) {
    }

    /**
     * The backup's restorable window: the segments archived one after the other from its start must reach its
     * stop segment; the window then ends at the newest commit in them (read with pg_waldump).
     */
    private Optional<Window> window(SourceCatalog.Backup backup, SourceCatalog catalog) {
        int segSize = catalog.cluster().map(SourceCatalog.Cluster::walSegmentSize).orElse(16 * 1024 * 1024);
        WalSource wal = source.wal();
        var archived = wal.segments(backup.timeline());
        List<WalSegmentName> run = new ArrayList<>();
        for (WalSegmentName s = backup.firstSegment(); archived.containsKey(s); s = s.next(segSize)) {
            run.add(s);
        }
        if (run.isEmpty() || run.get(run.size() - 1).compareTo(backup.lastSegment()) < 0) {
            return Optional.empty();
        }
        Instant from = backup.span().stopTime();
        Instant to = horizon(wal).lastCommit(run).map(ArchiveHorizon.Horizon::lastCommit).filter(t -> t.isAfter(from))
                .orElse(from);
        return Optional.of(new Window(from, to));
    }

    private void cleanUp(Path dir, Path pgdata) {
        try {
            if (Files.exists(RestorePlan.stateDirFor(pgdata).resolve("journal.json"))) {
                steps.lifecycle().stopServer(RestoreJournal.load(RestorePlan.stateDirFor(pgdata)).plan());
            }
        } catch (PitrException e) {
            progress.accept("drill: could not stop the scratch server: " + e.getMessage());
        }
        if (Files.exists(dir)) {
            try {
                Trees.delete(dir);
            } catch (IOException e) {
                progress.accept("drill: could not remove " + dir + ": " + e.getMessage());
            }
        }
    }

}
