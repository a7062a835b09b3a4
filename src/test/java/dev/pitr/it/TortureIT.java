package dev.pitr.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.testkit.FaultProxy;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lifecycle under random sequences of real operations and faults, Jepsen-style: a real PostgreSQL 15
 * archiving through the launcher into S3 behind a fault-injecting proxy, a writer committing all the time (one
 * connection, so commit times follow the WAL's order), and a seeded choice of backups, expiry, bursts of
 * writes, repository outages (503, 500, stalls), {@code kill -9} of {@code wal push} in flight and of the async
 * pusher, a standby promoted, pitr's in-place restore promoted with archiving resumed, a restore onto a full
 * disk, and restores to random times and to the latest WAL. After every step the invariants are checked:
 * <ul>
 *     <li>archiving catches up once a fault ends (a switched segment is archived) and {@code wal verify} is whole;</li>
 *     <li>a copy restored to a time holds exactly the rows committed before it: none lost, none extra;</li>
 *     <li>{@code info}'s restorable window contains every target it offers, and a restore reaches it;</li>
 *     <li>nothing reported READY or complete is short.</li>
 * </ul>
 * The seed fixes the sequence of operations, so a failing seed replays: {@code bench/torture.sh SEED MINUTES}
 * runs longer ones ({@code -Dtorture.seed}, {@code -Dtorture.steps}, {@code -Dtorture.minutes}); {@code
 * -Dtorture.script=PROMOTE_STANDBY,RESTORE_LATEST} replays a sequence of operations with that seed.
 */
class TortureIT {
    /**
     * The suite's runs: a fixed seed, and each sequence that once failed, replayed operation by operation (so a
     * new kind of operation does not change it), with its seed for the choices inside the operations. Seed 1's
     * run found that a second in-place restore of the same cluster was refused as "already recorded".
     * {@code -Dtorture.seed} runs only the seed given, for {@code -Dtorture.steps} or {@code -Dtorture.minutes}.
     */
    static Stream<Arguments> seeds() {
        String given = java.lang.System.getProperty("torture.seed");
        if (given != null) {
            String script = java.lang.System.getProperty("torture.script", "");
            List<Op> ops = script.isBlank() ? List.of()
                    : Stream.of(script.split(",")).map(String::strip).map(Op::valueOf).toList();
            return Stream.of(Arguments.of(Long.parseLong(given), ops.isEmpty() ? STEPS : ops.size(), ops));
        }
        List<Op> secondInPlace = List.of(Op.PROMOTE_STANDBY, Op.RESTORE_LATEST, Op.REPOSITORY_OUTAGE, Op.KILL_PUSH,
                Op.PROMOTE_STANDBY, Op.PROMOTE_STANDBY, Op.PROMOTE_IN_PLACE, Op.REPOSITORY_OUTAGE, Op.EXPIRE, Op.EXPIRE,
                Op.RESTORE_TIME, Op.EXPIRE, Op.PROMOTE_IN_PLACE, Op.KILL_PUSH);
        return Stream.of(Arguments.of(20261204L, STEPS, List.of()), Arguments.of(1L, secondInPlace.size(), secondInPlace));
    }

    private static final int STEPS = Integer.getInteger("torture.steps", 12);
    private static final Duration BUDGET = Duration.ofMinutes(Long.getLong("torture.minutes", 0L));

    enum Op {
        BURST, BACKUP, EXPIRE, REPOSITORY_OUTAGE, KILL_PUSH, KILL_PUSHER, RESTORE_TIME, RESTORE_LATEST, PROMOTE_STANDBY,
        PROMOTE_IN_PLACE, FULL_DISK
    }

    /** What the steps act on: the primary of the moment, a standby until it is promoted, and the CLI pointed at it. */
    static final class System {
        PgCluster primary;
        PgCluster standby;
        Cli cli;
        final List<PgCluster> all = new ArrayList<>();
        /** Makes a new standby of the primary of the moment. */
        java.util.function.Supplier<PgCluster> newStandby;
    }

    @ParameterizedTest(name = "seed {0}, {1} steps")
    @MethodSource("seeds")
    void aSeededLifecycleKeepsEveryInvariant(long seed, int steps, List<Op> script) throws Exception {
        Random random = new Random(seed);
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        Path work = TestDirs.shared("pitr-torture-");
        List<Path> spools = List.of(TestDirs.serverOwned("pitr-torture-spool-"), TestDirs.serverOwned("pitr-torture-spool-"));
        boolean async = random.nextBoolean(); // the seed also chooses how PostgreSQL archives
        List<String> log = new ArrayList<>(List.of(async ? "async archiving" : "sync archiving"));
        System sys = new System();
        try (FaultProxy proxy = new FaultProxy(s3.endpoint(), FaultProxy.Plan.always(FaultProxy.Fault.NONE))) {
            java.util.function.Function<Path, Map<String, String>> archiving = spool -> Map.of("wal_level", "replica",
                    "archive_mode", "on", "archive_command", "'env PITR_REPO=s3://" + bucket + "/repo PITR_S3_ENDPOINT="
                            + proxy.endpoint() + " PITR_S3_MAX_ATTEMPTS=2 " + ArchiveIT.LAUNCHER + " wal push "
                            + (async ? "--async --spool " + spool + " " : "") + "%p'",
                    "track_commit_timestamp", "on", "wal_keep_size", "'512MB'", "hot_standby", "on");
            sys.primary = PgCluster.start(archiving.apply(spools.get(0)), Map.of());
            sys.all.add(sys.primary);
            Map<String, String> env = new HashMap<>(s3.env(bucket));
            env.put("PITR_PGPORT", String.valueOf(sys.primary.port()));
            sys.cli = new Cli(env, work);
            sys.primary.execute("CREATE TABLE ledger (id bigserial PRIMARY KEY, note text)");
            run(sys.cli, log, "backup", "create");
            sys.newStandby = () -> {
                PgCluster standby = PgCluster.standbyOf(sys.primary, archiving.apply(spools.get(1)), Map.of());
                sys.all.add(standby);
                return standby;
            };
            sys.standby = sys.newStandby.get();
            try (Writer writer = new Writer(sys.primary)) {
                writer.start();
                Instant deadline = Instant.now().plus(BUDGET);
                for (int step = 1; step <= steps || Instant.now().isBefore(deadline); step++) {
                    Op op = script.isEmpty() ? Op.values()[random.nextInt(Op.values().length)] : script.get(step - 1);
                    log.add("step " + step + ": " + op);
                    String context = "seed " + seed + ", " + String.join("; ", log);
                    PgCluster pg = sys.primary;
                    Cli cli = sys.cli;
                    switch (op) {
                        case BURST -> writer.burst(200 + random.nextInt(800));
                        case BACKUP -> run(cli, log, "backup", "create");
                        case EXPIRE -> run(cli, log, "--yes", "expire", "--keep-full", String.valueOf(1 + random.nextInt(2)));
                        case REPOSITORY_OUTAGE -> outage(pg, proxy, writer, List.of(FaultProxy.Fault.SLOW_DOWN_503,
                                FaultProxy.Fault.STALL, FaultProxy.Fault.ERROR_500).get(random.nextInt(3)),
                                300 + random.nextInt(1500));
                        case KILL_PUSH -> kill(pg, writer, List.of("wal push", "pg_wal/"), 1 + random.nextInt(3));
                        case KILL_PUSHER -> kill(pg, writer, List.of("wal archive-pusher"), 1 + random.nextInt(2));
                        case RESTORE_TIME -> log.add("  restored to " + restoreToTime(cli, pg, writer, random,
                                work.resolve("copy-" + step + "/data"), context));
                        case RESTORE_LATEST -> restoreLatest(cli, pg, writer, work.resolve("copy-" + step + "/data"), context);
                        case PROMOTE_STANDBY -> log.add("  " + promoteStandby(sys, writer, context));
                        case PROMOTE_IN_PLACE -> log.add("  " + promoteInPlace(sys, writer, context));
                        case FULL_DISK -> log.add("  " + restoreOntoAFullDisk(cli, work.resolve("full-" + step), context));
                        default -> throw new IllegalStateException();
                    }
                    archivingCatchesUp(sys.primary, context);
                    Cli.Run verify = sys.cli.run("wal", "verify");
                    assertThat(verify.exitCode()).as("wal verify after " + context + ": " + verify.stdout()).isZero();
                }
            }
        } finally {
            java.lang.System.out.println("torture: seed " + seed + ", " + steps + " step(s) at least, "
                    + BUDGET.toMinutes() + " min: " + String.join("; ", log));
            for (PgCluster c : sys.all) { // stopped at once: a failure in the steps must not be hidden by cleanup
                try {
                    if (c.ctl().isRunning(c.dataDir())) {
                        c.ctl().stop(c.dataDir(), "immediate");
                    }
                } catch (RuntimeException e) {
                    java.lang.System.out.println("torture: could not stop " + c.dataDir() + ": " + e.getMessage());
                }
                TestDirs.delete(c.dir());
            }
            for (Path spool : spools) {
                new ProcessBuilder("pkill", "-9", "-f", "wal archive-pusher --spool " + spool).start().waitFor();
                TestDirs.delete(spool);
            }
            TestDirs.delete(work);
        }
    }

    /**
     * The primary is lost and the standby takes over, in the middle of a segment (once; later it is a burst): the
     * writer stops, the standby replays all it was sent, the primary stops, the standby is promoted and the
     * writer goes on there; its timeline must be archived into the same repository.
     */
    private static String promoteStandby(System sys, Writer writer, String context) throws Exception {
        if (sys.standby == null) {
            writer.burst(300);
            return "no standby left: a burst";
        }
        writer.pause();
        String sent = sys.primary.query("SELECT pg_current_wal_lsn()::text");
        PgCluster standby = sys.standby;
        FailoverIT.waitUntil(() -> standby.query("SELECT pg_last_wal_replay_lsn() >= '" + sent + "'::pg_lsn").equals("t"),
                "the standby replays " + sent + " after " + context);
        String rows = ledger(sys.primary);
        sys.primary.stop();
        standby.execute("SELECT pg_promote()");
        assertThat(ledger(standby)).as("the promoted standby has every row after " + context).isEqualTo(rows);
        sys.primary = standby;
        sys.standby = null;
        sys.cli = sys.cli.with("PITR_PGPORT", String.valueOf(standby.port()));
        writer.switchTo(standby);
        return "now on timeline " + standby.query("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)");
    }

    /**
     * pitr's own restore of the primary in place to the latest archived WAL, then promoted with archiving resumed:
     * with everything archived before it stopped, the cluster comes back with exactly the rows it had.
     */
    private static String promoteInPlace(System sys, Writer writer, String context) throws Exception {
        writer.pause();
        archivingCatchesUp(sys.primary, context);
        String rows = ledger(sys.primary);
        writer.disconnect();
        sys.primary.stop();
        Cli.Run restore = sys.cli.run("--yes", "restore", "run", "--in-place", "--target-latest", "--pgdata",
                sys.primary.dataDir().toString());
        assertThat(restore.exitCode()).as("in-place restore after " + context + ": " + restore.stdout() + restore.stderr())
                .isZero();
        Cli.Run promote = sys.cli.run("--yes", "restore", "promote", "--resume-archiving", "--pgdata",
                sys.primary.dataDir().toString());
        assertThat(promote.exitCode()).as("promote after " + context + ": " + promote.stdout() + promote.stderr()).isZero();
        assertThat(ledger(sys.primary)).as("every archived row back in place after " + context).isEqualTo(rows);
        if (sys.standby != null) { // a standby cannot follow its primary back in time: it is built anew, as a DBA would
            sys.standby.ctl().stop(sys.standby.dataDir(), "immediate");
            sys.standby = sys.newStandby.get();
        }
        writer.switchTo(sys.primary);
        return "in place, now on timeline " + sys.primary.query("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)");
    }

    /**
     * A restore onto a disk too small for it (a 4 MB tmpfs): it must fail with a disk or I/O error and leave
     * nothing that says READY. Mounting needs root with CAP_SYS_ADMIN (as CI has); without it the step says so.
     */
    private static String restoreOntoAFullDisk(Cli cli, Path mountPoint, String context) throws Exception {
        java.nio.file.Files.createDirectories(mountPoint);
        if (new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint.toString()).start()
                .waitFor() != 0) {
            return "no tmpfs could be mounted here: skipped";
        }
        Path pgdata = mountPoint.resolve("data");
        try {
            Cli.Run run = cli.run("restore", "run", "--target-latest", "--pgdata", pgdata.toString());
            assertThat(run.exitCode()).as("a restore onto a full disk after " + context + ": " + run.stdout() + run.stderr())
                    .isIn(4, 5);
            Path journal = pgdata.resolveSibling("data.pitr").resolve("journal.json");
            if (java.nio.file.Files.exists(journal)) {
                assertThat(Json.mapper().readTree(journal.toFile()).get("state").asText()).isNotEqualTo("READY");
            }
            return "refused or failed with exit " + run.exitCode() + ": " + run.stderr().lines()
                    .filter(l -> l.startsWith("pitr: ") && !l.contains("|")).reduce((a, b) -> b).orElse("");
        } finally {
            cli.run("restore", "abort", "--pgdata", pgdata.toString());
            new ProcessBuilder("umount", "-l", mountPoint.toString()).start().waitFor();
        }
    }

    private static String ledger(PgCluster pg) {
        return pg.query("SELECT count(*) || '/' || coalesce(sum(id), 0) FROM ledger");
    }

    /** Runs a pitr command that must succeed. */
    private static Cli.Run run(Cli cli, List<String> log, String... args) {
        Cli.Run r = cli.run(args);
        assertThat(r.exitCode()).as(String.join(" ", args) + " (" + String.join("; ", log) + "): " + r.stdout() + r.stderr())
                .isZero();
        return r;
    }

    /** The repository refuses (or stalls) every request for a while, during writes and a switch; then it is back. */
    private static void outage(PgCluster pg, FaultProxy proxy, Writer writer, FaultProxy.Fault fault, int millis)
            throws Exception {
        proxy.plan(FaultProxy.Plan.always(fault));
        try {
            writer.burst(300);
            pg.query("SELECT pg_walfile_name(pg_switch_wal())");
            Thread.sleep(millis); // archive_command fails meanwhile; PostgreSQL keeps the segment and retries
        } finally {
            proxy.plan(FaultProxy.Plan.always(FaultProxy.Fault.NONE));
        }
    }

    /**
     * {@code kill -9} of this cluster's processes whose command line holds all of {@code words} (per-segment
     * pushes, the pusher) during bursts: only those PostgreSQL started here, found by their working directory,
     * so no other test's archiving is touched.
     */
    private static void kill(PgCluster pg, Writer writer, List<String> words, int times) throws Exception {
        Path home = pg.dataDir().toRealPath();
        for (int i = 0; i < times; i++) {
            writer.burst(400);
            pg.query("SELECT pg_walfile_name(pg_switch_wal())");
            ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> words.stream().allMatch(c::contains))
                    .orElse(false)).filter(p -> startedIn(p, home)).forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static boolean startedIn(ProcessHandle p, Path dir) {
        try {
            return java.nio.file.Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "cwd")).equals(dir);
        } catch (java.io.IOException | UnsupportedOperationException gone) {
            return false;
        }
    }

    /** After a switch, the segment is archived (PostgreSQL retries what failed): archiving keeps up again. */
    private static void archivingCatchesUp(PgCluster pg, String context) throws Exception {
        String last = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
        try {
            ArchiveIT.waitUntilArchived(pg, last);
        } catch (AssertionError e) {
            throw new AssertionError("archiving did not catch up after " + context + ": " + e.getMessage(), e);
        }
    }

    /**
     * A target at the commit time of a random row committed since the oldest backup ended (an exact commit
     * time: the edge), archived; the copy holds exactly the rows committed before it.
     */
    private static String restoreToTime(Cli cli, PgCluster pg, Writer writer, Random random, Path pgdata, String context)
            throws Exception {
        writer.burst(100); // rows after the newest backup, whatever came before
        archivingCatchesUp(pg, context);
        JsonNode info = Json.mapper().readTree(cli.run("--json", "info").stdout());
        List<JsonNode> windows = new ArrayList<>();
        info.get("timelines").forEach(t -> t.get("windows").forEach(windows::add));
        assertThat(windows).as("a restorable window after " + context).isNotEmpty();
        JsonNode w = windows.get(random.nextInt(windows.size()));
        String from = w.get("from").asText();
        String to = w.get("to").asText();
        String at = pg.query("SELECT to_json(t)#>>'{}' FROM (SELECT pg_xact_commit_timestamp(xmin) AS t FROM ledger"
                + " WHERE pg_xact_commit_timestamp(xmin) > '" + from + "' AND pg_xact_commit_timestamp(xmin) <= '" + to
                + "' ORDER BY id OFFSET " + random.nextInt(50) + " LIMIT 1) x");
        if (at == null) {
            return "nothing: no row committed inside the window yet";
        }
        Instant target = OffsetDateTime.parse(at).toInstant();
        Cli.Run run = cli.run("restore", "run", "--target-time", target.toString(), "--pgdata", pgdata.toString());
        try {
            assertThat(run.exitCode()).as("a target inside info's window (" + from + " .. " + to + ") after " + context
                    + ": " + run.stdout() + run.stderr()).isZero();
            int port = Json.mapper().readTree(cli.run("--json", "restore", "status", "--pgdata", pgdata.toString()).stdout())
                    .get("plan").get("port").asInt();
            String expected = pg.query("SELECT count(*) || '/' || coalesce(sum(id), 0) FROM ledger"
                    + " WHERE pg_xact_commit_timestamp(xmin) < '" + at + "'");
            assertThat(RealLogsIT.queryOn(port, "SELECT count(*) || '/' || coalesce(sum(id), 0) FROM ledger"))
                    .as("rows committed before " + at + " (none lost, none extra) after " + context).isEqualTo(expected);
            return at + " (" + expected + " rows/sum)";
        } finally {
            cli.run("restore", "abort", "--pgdata", pgdata.toString());
        }
    }

    /** Everything archived: the copy holds every row committed before the last switch was archived. */
    private static void restoreLatest(Cli cli, PgCluster pg, Writer writer, Path pgdata, String context) throws Exception {
        writer.pause();
        try {
            archivingCatchesUp(pg, context);
            String expected = pg.query("SELECT count(*) || '/' || coalesce(sum(id), 0) FROM ledger");
            Cli.Run run = cli.run("restore", "run", "--target-latest", "--pgdata", pgdata.toString());
            assertThat(run.exitCode()).as("latest after " + context + ": " + run.stdout() + run.stderr()).isZero();
            int port = Json.mapper().readTree(cli.run("--json", "restore", "status", "--pgdata", pgdata.toString()).stdout())
                    .get("plan").get("port").asInt();
            assertThat(RealLogsIT.queryOn(port, "SELECT count(*) || '/' || coalesce(sum(id), 0) FROM ledger"))
                    .as("every archived commit after " + context + "; the restore said: " + run.stdout()).isEqualTo(expected);
        } finally {
            writer.resume();
            cli.run("restore", "abort", "--pgdata", pgdata.toString());
        }
    }

    /**
     * One connection committing a row at a time (so commit times follow the WAL), paced, with bursts on demand; it
     * follows the primary of the moment after a failover.
     */
    static final class Writer implements AutoCloseable {
        private final Thread thread;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicBoolean paused = new AtomicBoolean(false);
        private final AtomicBoolean idle = new AtomicBoolean(false); // the writer saw the pause: nothing in flight
        private final AtomicInteger burst = new AtomicInteger();
        private volatile PgCluster target;
        private volatile boolean reconnect;
        private volatile Exception failure;

        Writer(PgCluster pg) {
            target = pg;
            thread = new Thread(() -> {
                Connection c = null;
                try {
                    while (running.get()) {
                        if (paused.get()) {
                            if (reconnect && c != null) {
                                c.close();
                                c = null;
                            }
                            idle.set(true);
                            Thread.sleep(5);
                            continue;
                        }
                        idle.set(false);
                        if (c == null || reconnect) {
                            reconnect = false;
                            if (c != null) {
                                c.close(); // the old primary's, stopped by now
                            }
                            c = target.connect();
                        }
                        try (Statement s = c.createStatement()) {
                            s.execute("INSERT INTO ledger (note) VALUES ('x')");
                        }
                        if (burst.get() > 0) {
                            burst.decrementAndGet();
                        } else {
                            Thread.sleep(10);
                        }
                    }
                } catch (Exception e) {
                    failure = e;
                } finally {
                    try {
                        if (c != null) {
                            c.close();
                        }
                    } catch (java.sql.SQLException ignored) {
                        // closing after a failure
                    }
                }
            }, "torture-writer");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        /** {@code rows} more rows without pause; returns once they are committed. */
        void burst(int rows) throws InterruptedException {
            burst.addAndGet(rows);
            while (burst.get() > 0 && thread.isAlive()) {
                Thread.sleep(5);
            }
            check();
        }

        /** Returns once the writer has nothing in flight. */
        void pause() throws InterruptedException {
            paused.set(true);
            while (!idle.get() && thread.isAlive()) {
                Thread.sleep(5);
            }
            check();
        }

        /** Paused: its connection is closed (the server is about to stop). */
        void disconnect() throws InterruptedException {
            reconnect = true;
            idle.set(false);
            pause();
            while (!idle.get() && thread.isAlive()) {
                Thread.sleep(5);
            }
        }

        void resume() {
            paused.set(false);
        }

        /** Goes on writing on {@code primary}. */
        void switchTo(PgCluster primary) {
            target = primary;
            reconnect = true;
            resume();
        }

        private void check() {
            if (failure != null) {
                throw new AssertionError("the writer failed: " + failure.getMessage(), failure);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
            check();
        }
    }
}
