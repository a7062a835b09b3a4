package dev.pitr.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster's life across failovers, archived into one repository: a streaming standby promoted in the middle of
 * a segment, then pitr's own in-place restore promoted with archiving resumed, again mid-segment. PostgreSQL
 * starts each new timeline's first segment as a copy of its parent's pages, so that segment's first page says
 * the parent's timeline: archiving must go on, and a restore from the one backup, taken on timeline 1, must
 * reach a time on each later timeline with the rows written there. Then the archiver falls behind: a target
 * after a commit that is not archived yet is refused, not restored short of it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverIT {
    static Path work;
    static PgCluster primary;
    static PgCluster standby;
    static Cli cli;
    static final List<Path> copies = new java.util.ArrayList<>();
    static Instant timeline2Target;

    @BeforeAll
    static void primaryBackedUpWithAStandby() throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        work = TestDirs.shared("pitr-failover-");
        Map<String, String> archiving = Map.of("wal_level", "replica", "archive_mode", "on",
                "archive_command", ArchiveIT.archiveCommandTo(s3, bucket), "track_commit_timestamp", "on",
                "wal_keep_size", "'256MB'");
        primary = PgCluster.start(archiving, Map.of());
        Map<String, String> env = new HashMap<>(s3.env(bucket));
        env.put("PITR_PGPORT", String.valueOf(primary.port()));
        cli = new Cli(env, work);
        primary.execute("CREATE TABLE events (note text, at timestamptz DEFAULT clock_timestamp())",
                "INSERT INTO events (note) VALUES ('before the backup')");
        Cli.Run backup = cli.run("backup", "create");
        assertThat(backup.exitCode()).as(backup.stderr()).isZero();
        standby = PgCluster.standbyOf(primary, archiving, Map.of());
    }

    @AfterAll
    static void cleanUp() {
        for (Path copy : copies) {
            cli.run("restore", "abort", "--pgdata", copy.toString());
        }
        for (PgCluster c : new PgCluster[]{standby, primary}) {
            if (c != null) {
                c.close();
            }
        }
        TestDirs.delete(work);
    }

    @Test
    @Order(1)
    void aStandbyPromotedMidSegmentArchivesItsTimelineAndATimeOnItIsRestoredFromTheOlderBackup() throws Exception {
        primary.execute("INSERT INTO events (note) VALUES ('timeline 1')");
        String sent = primary.query("SELECT pg_current_wal_lsn()::text");
        waitUntil(() -> standby.query("SELECT pg_last_wal_replay_lsn() >= '" + sent + "'::pg_lsn").equals("t"),
                "the standby replays " + sent);
        primary.stop(); // the primary is lost; its last segment was never completed
        standby.execute("SELECT pg_promote()");
        assertThat(currentTimeline(standby)).isEqualTo(2);
        assertSwitchedMidSegment(standby, 2);

        Instant target = writeOnNewTimelineAndArchive(standby, "timeline 2");
        timeline2Target = target;

        Cli.Run verify = cli.run("wal", "verify");
        assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isZero();
        JsonNode info = Json.mapper().readTree(cli.run("--json", "info").stdout());
        assertThat(info.get("timelines").toString()).contains("\"timeline\":2");
        String windowStart = info.get("timelines").get(0).get("windows").get(0).get("from").asText();
        Cli.Run fromStart = cli.run("restore", "plan", "--target-time", windowStart, "--timeline", "current",
                "--pgdata", work.resolve("start/data").toString());
        assertThat(fromStart.exitCode()).as("the window's printed start is a target: " + fromStart.stderr()).isZero();

        Cli.Run oldLine = cli.run("restore", "plan", "--target-time", target.toString(), "--timeline", "current",
                "--pgdata", work.resolve("current/data").toString());
        assertThat(oldLine.exitCode()).as("timeline 1 alone ends before the target: " + oldLine.stdout()).isEqualTo(2);
        assertThat(oldLine.stderr()).contains("after the newest archived commit");

        int port = restoreTo(target, "tl2");
        assertThat(RealLogsIT.queryOn(port, "SELECT string_agg(note, ',' ORDER BY at) FROM events"))
                .isEqualTo("before the backup,timeline 1,timeline 2");
    }

    @Test
    @Order(2)
    void pitrsOwnPromoteMidSegmentResumesArchivingOnTheNextTimeline() throws Exception {
        assertThat(timeline2Target).as("the first test ran").isNotNull();
        standby.stop();
        cli = cli.with("PITR_PGPORT", String.valueOf(standby.port())); // the configuration follows the failover
        Cli.Run inPlace = cli.run("--yes", "restore", "run", "--in-place", "--target-time", timeline2Target.toString(),
                "--pgdata", standby.dataDir().toString());
        assertThat(inPlace.exitCode()).as(inPlace.stdout() + inPlace.stderr()).isZero();
        Cli.Run promote = cli.run("--yes", "restore", "promote", "--resume-archiving", "--pgdata",
                standby.dataDir().toString());
        assertThat(promote.exitCode()).as(promote.stdout() + promote.stderr()).isZero();
        assertThat(currentTimeline(standby)).isEqualTo(3);
        assertSwitchedMidSegment(standby, 3);

        Instant target = writeOnNewTimelineAndArchive(standby, "timeline 3");

        int port = restoreTo(target, "tl3");
        assertThat(RealLogsIT.queryOn(port, "SELECT string_agg(note, ',' ORDER BY at) FROM events"))
                .as("the row after the in-place target on timeline 2 is gone; timeline 3's row is there")
                .isEqualTo("before the backup,timeline 1,timeline 2,timeline 3");
    }

    @Test
    @Order(3)
    void aTargetInsideTheArchiveLagIsRefusedUntilItsCommitIsArchivedThenRestoredWithIt() throws Exception {
        assertThat(currentTimeline(standby)).as("the tests before ran").isEqualTo(3);
        String archiving = standby.query("SHOW archive_command");
        setArchiveCommand(standby, "/bin/false"); // the archiver falls behind: nothing more is stored for now
        String behind = standby.query("SELECT pg_walfile_name(pg_switch_wal())");
        standby.execute("INSERT INTO events (note) VALUES ('lagging')"); // the next segment, not archived yet
        Instant committed = OffsetDateTime.parse(standby.query("SELECT to_json(timestamp)#>>'{}' FROM pg_last_committed_xact()"))
                .toInstant();
        Instant target = committed.plusMillis(1);
        waitUntil(() -> Instant.now().isAfter(target.plusMillis(2)), "the clock passes the target");
        standby.execute("INSERT INTO events (note) VALUES ('after lagging')");
        setArchiveCommand(standby, archiving); // the segment before is archived now, after the target
        ArchiveIT.waitUntilArchived(standby, behind);

        Cli.Run refused = cli.run("restore", "run", "--target-time", target.toString(), "--pgdata",
                work.resolve("lag/data").toString());
        assertThat(refused.exitCode()).as(refused.stdout() + refused.stderr()).isEqualTo(2);
        assertThat(refused.stderr()).contains("after the newest archived commit").contains("pg_switch_wal");
        assertThat(work.resolve("lag")).as("nothing was written").doesNotExist();

        ArchiveIT.waitUntilArchived(standby, standby.query("SELECT pg_walfile_name(pg_switch_wal())"));
        int port = restoreTo(target, "lag");
        assertThat(RealLogsIT.queryOn(port, "SELECT string_agg(note, ',' ORDER BY at) FROM events WHERE note LIKE '%lagging'"))
                .isEqualTo("lagging");
    }

    private static void setArchiveCommand(PgCluster server, String command) throws Exception {
        server.execute("ALTER SYSTEM SET archive_command = '" + command.replace("'", "''") + "'", "SELECT pg_reload_conf()");
        waitUntil(() -> server.query("SHOW archive_command").equals(command), "archive_command is " + command);
    }

    /**
     * A row on the server's new timeline, the time just after its commit (the target), a row after that, and the
     * segment holding them switched and archived: waits on pg_stat_archiver, so a refused segment fails here.
     */
    private static Instant writeOnNewTimelineAndArchive(PgCluster server, String note) throws Exception {
        server.execute("INSERT INTO events (note) VALUES ('" + note + "')");
        Instant committed = OffsetDateTime.parse(server.query("SELECT to_json(timestamp)#>>'{}' FROM pg_last_committed_xact()"))
                .toInstant();
        Instant target = committed.plusMillis(1);
        waitUntil(() -> Instant.now().isAfter(target.plusMillis(2)), "the clock passes the target");
        server.execute("INSERT INTO events (note) VALUES ('after " + note + "')");
        String last = server.query("SELECT pg_walfile_name(pg_switch_wal())");
        ArchiveIT.waitUntilArchived(server, last);
        assertThat(server.query("SELECT coalesce(last_failed_wal, '') FROM pg_stat_archiver"))
                .as("no segment was refused on the way").isEmpty();
        return target;
    }

    /** The timeline the server writes WAL on (its control file says so only after the next checkpoint). */
    private static int currentTimeline(PgCluster server) {
        return Integer.parseInt(server.query("SELECT pg_walfile_name(pg_current_wal_lsn())").substring(0, 8), 16);
    }

    /** The history file of {@code timeline} says where it left its parent: not on a segment boundary. */
    private static void assertSwitchedMidSegment(PgCluster server, int timeline) {
        String history = server.query("SELECT pg_read_file('pg_wal/" + String.format("%08X", timeline) + ".history')");
        String switchpoint = history.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElseThrow().split("\\s+")[1];
        assertThat(server.query("SELECT file_offset FROM pg_walfile_name_offset('" + switchpoint + "')"))
                .as("timeline %d starts at %s, inside a segment", timeline, switchpoint).isNotEqualTo("0");
    }

    private static int restoreTo(Instant target, String name) throws Exception {
        Path pgdata = work.resolve(name + "/data");
        copies.add(pgdata);
        Cli.Run run = cli.run("restore", "run", "--target-time", target.toString(), "--pgdata", pgdata.toString());
        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
        return Json.mapper().readTree(cli.run("--json", "restore", "status", "--pgdata", pgdata.toString()).stdout())
                .get("plan").get("port").asInt();
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /** Waits for a condition the servers reach by themselves; the bound only stops a test that would hang. */
    static void waitUntil(Condition condition, String what) throws Exception {
        long deadline = System.nanoTime() + java.time.Duration.ofMinutes(2).toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached in 2 minutes: " + what);
            }
            Thread.sleep(50);
        }
    }
}
