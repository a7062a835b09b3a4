package dev.pitr.restore;

import dev.pitr.core.AtomicFiles;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.pg.PgConnection;
import dev.pitr.pg.PgCtl;
import dev.pitr.wal.ArchiveHorizon;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.SpoolLayout;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalPrefetcher;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** REPLAY: start the copy and follow its replay to the target; end recovery where a paused copy could not read (a replayed lock). */
final class ReplayStep implements Step {
    /** Segments fetched ahead of replay past the plan, and how many at a time. */
    private static final int AHEAD_DEPTH = 16;
    private static final int AHEAD_PARALLEL = 2;
    private final WalSource archive;
    private final PgCtl pg;
    private final RestoreSteps.ServerAccess access;
    private final Consumer<String> progress;

    ReplayStep(WalSource archive, PgCtl pg, RestoreSteps.ServerAccess access, Consumer<String> progress) {
        this.archive = archive;
        this.pg = pg;
        this.access = access;
        this.progress = progress;
    }

    @Override
    public StepResult run(RestorePlan plan) {
        AtomicLong replayed = new AtomicLong(-1); // the segment number replay is in, once the copy answers
        int segmentSize = plan.walSegmentSize();
        Optional<WalSegmentName> last = lastSegment(plan, plan.walBeforeReplay()); // fetched ahead from there on
        try (WalPrefetcher.Ahead ahead = last.isPresent()
                ? archive.fetchAhead(last.get(), segmentSize, plan.spool(), AHEAD_DEPTH, AHEAD_PARALLEL,
                replayed::get) : () -> { }) {
            return follow(plan, lsn -> replayed.set(Lsn.parse(lsn).segmentNumber(segmentSize)));
        }
    }

    private StepResult follow(RestorePlan plan, Consumer<String> replayedLsn) {
        if (!pg.isRunning(plan.pgdata())) { // after a crash of pitr the server may still be replaying: follow it
            start(plan);
        }
        PgConnection conn = CopyServer.connection(plan);
        Lsn goal = lastPlannedLsn(plan);
        long deadline = System.nanoTime() + access.replayTimeout().toNanos();
        long lastReport = 0;
        long lastAlive = System.nanoTime(); // when the server last answered, or pg_ctl said it runs
        String lastLsn = "";
        long lastMove = System.nanoTime();
        Optional<Optional<Lsn>> archiveEnd = Optional.empty(); // read once replay is in the last planned segment
        try (CopyServer.StatusProbe probe = new CopyServer.StatusProbe(conn)) {
            while (true) {
                // a query over the open connection every 20 ms: the pause at the target is seen at once; while the
                // server is not answering, every 100 ms, since each attempt makes it start a backend to refuse it
                CopyServer.sleep(probe.connected() ? 20 : 100);
                Optional<CopyServer.ReplayStatus> status = probe.status();
                // a server that answers is alive; only when it has not for a while, ask pg_ctl whether it died
                if (status.isEmpty() && System.nanoTime() - lastAlive > 500_000_000L) {
                    if (!pg.isRunning(plan.pgdata())) {
                        if (plan.target() instanceof RecoveryTarget.Time t && !Files.exists(plan.recoveryEndedNote())
                                && ServerLogDiagnosis.endedBeforeTarget(plan.serverLog())) {
                            shortOfThePlan(plan, goal); // a segment refused or gone is not the end of the archive
                            throw endedBeforeTarget(plan, t);
                        }
                        throw ServerLogDiagnosis.replayFailed(plan.serverLog());
                    }
                    lastAlive = System.nanoTime();
                }
                if (status.isPresent()) {
                    lastAlive = System.nanoTime();
                    CopyServer.ReplayStatus s = status.get();
                    replayedLsn.accept(s.replayLsn());
                    if (System.nanoTime() - lastReport > 2_000_000_000L) {
                        lastReport = System.nanoTime();
                        progress.accept("REPLAY: at " + s.replayLsn() + " of ~" + goal + " ("
                                + Optional.ofNullable(s.lastXact()).map(Instant::toString).orElse("no commit yet") + ")");
                    }
                    if ("paused".equals(s.pauseState())) {
                        probe.close();
                        endRecoveryIfLocked(plan, conn);
                        return StepResult.NONE;
                    }
                    if (!s.inRecovery()) {
                        return StepResult.NONE;
                    }
                    if (!s.replayLsn().equals(lastLsn)) {
                        lastMove = System.nanoTime();
                        lastLsn = s.replayLsn();
                    }
                    Duration still = Duration.ofNanos(System.nanoTime() - lastMove);
                    boolean pastPlan = Lsn.parse(s.replayLsn()).compareTo(goal) >= 0;
                    if (plan.target() instanceof RecoveryTarget.Latest) {
                        if (pastPlan && archiveEnd.isEmpty()) {
                            archiveEnd = Optional.of(lastArchivedRecord(plan));
                        }
                        if (pastPlan && replayedAll(Lsn.parse(s.replayLsn()), archiveEnd.get(), still)) {
                            return StepResult.NONE; // everything archived is replayed; the standby waits for more
                        }
                        if (still.toSeconds() >= 30) { // waiting short of the planned WAL
                            throw new PitrException(ExitCode.IO_FAILURE, "replay waits at " + s.replayLsn() + " for WAL the"
                                    + " archive does not hand it (planned up to " + archiveEnd.flatMap(e -> e).orElse(goal) + "): " + ServerLogDiagnosis.stuck(
                                    plan.serverLog()).orElse("see the server log " + plan.serverLog())
                                    + "; run 'pitr wal verify --deep'");
                        }
                    }
                    if (still.toSeconds() >= 10) { // without progress: a server that retries a bad segment forever
                        Optional<String> why = ServerLogDiagnosis.stuck(plan.serverLog());
                        if (why.isPresent()) {
                            throw new PitrException(ExitCode.IO_FAILURE, "replay is stuck at " + s.replayLsn() + ": "
                                    + why.get() + " (server log " + plan.serverLog() + "); run 'pitr wal verify --deep'");
                        }
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new PitrException(ExitCode.IO_FAILURE, "replay did not reach the target within "
                            + access.replayTimeout().toMinutes() + " min; the server is still running ('pitr restore"
                            + " resume' keeps following it, server log: " + plan.serverLog() + ")");
                }
            }
        }
    }

    private void start(RestorePlan plan) {
        noteAbsentHistories(plan);
        pg.startNoWait(plan.pgdata(), plan.serverLog(), access.env());
    }

    /**
     * A copy following the latest timeline first probes for the history file of a timeline newer than every one
     * it has; answered by a JVM that asks the repository, that probe costs more than replaying a segment. Just
     * before the server starts, pitr asks the repository itself and leaves a short-lived note for each history
     * file that is absent (see {@link SpoolLayout#absent}); the launcher answers from it.
     */
    private void noteAbsentHistories(RestorePlan plan) {
        if (!"latest".equals(plan.timeline())) {
            return; // a fixed timeline is not probed beyond
        }
        int newest = archive.timelines().stream().max(Integer::compare).orElse(plan.backupTimeline());
        for (int tl = plan.backupTimeline() + 1; tl <= newest + 1; tl++) {
            WalFileName history = new WalFileName.TimelineHistory(tl);
            if (Files.exists(SpoolLayout.prefetched(plan.spool(), history.fileName()))
                    || archive.hasHistory(tl)) {
                continue;
            }
            try {
                AtomicFiles.write(SpoolLayout.absent(plan.spool(), history.fileName()), new byte[0]);
            } catch (IOException e) {
                return; // without the note the launcher asks the repository: slower, as right
            }
        }
    }

    /**
     * PostgreSQL ends recovery wherever restore_command stops handing it WAL: at the end of the archive, but also
     * at a segment pitr refused (another cluster's, damaged) or one that vanished. Only replay that got through
     * the whole planned WAL, with no refusal in the server log, is the end of the archive.
     */
    private static void shortOfThePlan(RestorePlan plan, Lsn goal) {
        Optional<String> refused = ServerLogDiagnosis.stuck(plan.serverLog());
        Optional<Lsn> done = ServerLogDiagnosis.redoDoneAt(plan.serverLog());
        if (refused.isPresent() || done.isEmpty() || done.get().compareTo(goal) < 0) {
            String why = refused.orElse("a planned WAL segment was not handed to the server; run 'pitr wal verify --deep'");
            boolean shortOfPlan = done.map(d -> d.compareTo(goal) < 0).orElse(true);
            String where = lastSegment(plan, plan.walFiles()).map(s -> "the planned WAL ends in segment " + s).orElse("");
            throw new PitrException(ExitCode.IO_FAILURE, "replay stopped at " + done.map(Lsn::toString).orElse("its start")
                    + (shortOfPlan ? ", short of the planned WAL (" + where + ")" : "") + ": " + why + " (server log "
                    + plan.serverLog() + ")");
        }
    }

    /**
     * PostgreSQL replayed the whole archive without meeting a commit at or after the time target. The plan
     * refuses such a target, so the archive changed since (WAL removed, a timeline chosen differently): the copy
     * is not at the target, and saying READY would hide the commits between the last one replayed and the target.
     */
    private static PitrException endedBeforeTarget(RestorePlan plan, RecoveryTarget.Time t) {
        String last = ServerLogDiagnosis.lastReplayedCommit(plan.serverLog()).orElse("none in the WAL replayed");
        return PitrException.verification("replay reached the end of the archived WAL before the target "
                + RecoveryTarget.PG_TIME.format(t.at()) + " (last commit replayed: " + last + "): the copy is not at the"
                + " target; run 'pitr info' for the restorable window and plan again (server log " + plan.serverLog() + ")");
    }

    /**
     * A copy paused at its target may hold AccessExclusiveLocks replayed for a transaction still open there (the
     * DROP or TRUNCATE being undone, stopped before its commit): the table cannot be read while they are held.
     * Ending recovery aborts that transaction and releases them, and changes no committed data; a side-by-side
     * copy never archives, so it is safe. The cluster itself (in place) stays paused until 'restore promote'.
     */
    private void endRecoveryIfLocked(RestorePlan plan, PgConnection conn) {
        if (plan.inPlace() || plan.target() instanceof RecoveryTarget.Latest) {
            return;
        }
        List<String> locked = exclusivelyLocked(conn);
        if (locked.isEmpty()) {
            return;
        }
        note(plan, "the paused copy held an AccessExclusiveLock on " + String.join(", ", locked) + " for a transaction"
                + " still open at the target" + plan.suspect().map(x -> " (transaction " + x.xid() + ")").orElse("")
                + ", which blocks reading it; recovery was ended on this copy, which aborts that transaction and"
                + " releases the lock (the copy is on a timeline of its own and never archives)");
        progress.accept("REPLAY: " + readNote(plan).orElse(""));
        conn.queryOne("SELECT pg_wal_replay_resume()::text");
        CopyServer.awaitRecoveryEnd(conn, plan);
    }

    /** Relations an AccessExclusiveLock is held on (on a standby: by the startup process), by name where known. */
    private static List<String> exclusivelyLocked(PgConnection conn) {
        List<String> out = new ArrayList<>();
        try (Connection c = conn.open(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT d.datname, l.relation FROM pg_locks l LEFT JOIN pg_database d"
                     + " ON d.oid = l.database WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'"
                     + " AND l.granted ORDER BY 1, 2")) {
            while (rs.next()) {
                String db = rs.getString(1);
                long rel = rs.getLong(2);
                out.add(db == null ? "relation " + rel : db + "." + relationName(conn.withDatabase(db), rel));
            }
        } catch (SQLException e) {
            throw PitrException.io("cannot read pg_locks on the restored copy: " + e.getMessage(), e);
        }
        return out;
    }

    private static String relationName(PgConnection db, long oid) {
        try {
            return db.queryOne("SELECT " + oid + "::oid::regclass::text", Duration.ofSeconds(2)).orElse("relation " + oid);
        } catch (PitrException e) {
            return "relation " + oid;
        }
    }

    private static void note(RestorePlan plan, String text) {
        try {
            AtomicFiles.write(plan.recoveryEndedNote(), (text + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw PitrException.io("cannot write " + plan.recoveryEndedNote() + ": " + e.getMessage(), e);
        }
    }

    /** Why recovery was ended on the copy, when it was. */
    public static Optional<String> readNote(RestorePlan plan) {
        try {
            return Files.exists(plan.recoveryEndedNote())
                    ? Optional.of(Files.readString(plan.recoveryEndedNote()).strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The copy of the latest WAL has replayed everything archived once it is past the start of the last whole record
     * of the last planned segment: a position, not a pause in replay (a loaded machine stalls replay for seconds).
     * Only when that record cannot be read does replay standing still for 3 s past the segment's start count.
     */
    private static boolean replayedAll(Lsn replay, Optional<Lsn> lastRecord, Duration still) {
        return lastRecord.map(r -> replay.compareTo(r) > 0).orElse(still.toMillis() >= 3000);
    }

    /**
     * The start of the last whole record archived on the timeline the copy follows to its end (see
     * {@link #lastSegment}), read with pg_waldump; empty when it cannot be read.
     */
    private Optional<Lsn> lastArchivedRecord(RestorePlan plan) {
        try {
            return lastSegment(plan, plan.walFiles()).flatMap(seg -> new ArchiveHorizon(archive, pg.binaries()).lastRecord(seg));
        } catch (PitrException unreadable) {
            progress.accept("REPLAY: the last archived record could not be read (" + unreadable.getMessage()
                    + "); replay standing still past the planned WAL ends it");
            return Optional.empty();
        }
    }

    /**
     * Just past the start of the last planned segment of the timeline being restored: replay must have read into
     * it, not only reached it (a segment the server refused leaves replay waiting at its very start).
     */
    static Lsn lastPlannedLsn(RestorePlan plan) {
        return lastSegment(plan, plan.walFiles()).map(s -> new Lsn(s.startLsn(plan.walSegmentSize()).value() + 1))
                .orElse(new Lsn(0));
    }

    /**
     * The segment among {@code names} that replay reads last: the last one of the newest timeline the copy may follow
     * ({@code --timeline N}: N; {@code current}: the backup's; {@code latest}: any). Timelines are compared before
     * segment numbers: an abandoned timeline can run longer than the one that replaced it, and a later timeline's
     * segments are in the plan of {@code --timeline N} although replay never reads them.
     */
    static Optional<WalSegmentName> lastSegment(RestorePlan plan, List<String> names) {
        int upTo = switch (plan.timeline()) {
            case "latest" -> Integer.MAX_VALUE;
            case "current" -> plan.backupTimeline();
            default -> Integer.parseInt(plan.timeline());
        };
        return RestorePlan.segments(names).stream().filter(s -> s.timeline() <= upTo)
                .max(Comparator.comparingInt(WalSegmentName::timeline)
                        .thenComparingLong(s -> s.segmentNumber(plan.walSegmentSize())));
    }
}
