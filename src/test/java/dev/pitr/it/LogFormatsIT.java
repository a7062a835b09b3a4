package dev.pitr.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real logs from a real PostgreSQL 15 in all three formats, with a prefix that has %x, a non-UTC
 * log_timezone whose abbreviation (IST) is ambiguous, a multi-line statement, a DROP inside a BEGIN block
 * and a failed DROP; then a restore to the recommended xid.
 */
class LogFormatsIT {
    static PgCluster pg;
    static Path work;
    static Path logDir;
    static Cli cli;
    static String droppedAt;

    @BeforeAll
    static void logs() throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        work = TestDirs.shared("pitr-logs-");
        logDir = ArchiveIT.logDirectory(work);
        String archive = ArchiveIT.archiveCommandTo(s3, bucket);
        Map<String, String> conf = new HashMap<>(Map.of("wal_level", "replica", "archive_mode", "on",
                "archive_command", archive, "log_statement", "'all'",
                "log_line_prefix", "'%m [%p] xid=%x %q%u@%d '", "log_timezone", "'Asia/Kolkata'",
                "logging_collector", "on", "log_destination", "'stderr,csvlog,jsonlog'",
                "log_directory", "'" + logDir + "'"));
        conf.put("log_filename", "'postgresql'");
        pg = PgCluster.start(conf, Map.of());
        Map<String, String> env = new HashMap<>(s3.env(bucket));
        env.put("PITR_PGPORT", String.valueOf(pg.port()));
        cli = new Cli(env, work);
        pg.execute("CREATE TABLE accounts AS SELECT g AS id FROM generate_series(1, 1000) g",
                "CREATE TABLE audit (note text)");
        assertThat(cli.run("backup", "create").exitCode()).isZero();
        pg.execute("INSERT INTO audit VALUES ('before')");
        try {
            pg.execute("DROP TABLE no_such_table");
        } catch (IllegalStateException expected) {
            // a failed DROP: logged, never committed
        }
        pg.execute("SELECT 1 /* multi\nline */ FROM accounts LIMIT 1");
        pg.execute("INSERT INTO audit VALUES ('committed just before the drop')");
        try (var c = pg.connect()) {
            c.setAutoCommit(false);
            c.createStatement().execute("INSERT INTO audit VALUES ('inside the dropping transaction')");
            c.createStatement().execute("DROP TABLE accounts");
            c.commit();
        }
        pg.execute("INSERT INTO audit VALUES ('after')");
        droppedAt = pg.query("SELECT now()::text");
        String last = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
        ArchiveIT.waitUntilArchived(pg, last);
    }

    @AfterAll
    static void cleanUp() {
        cli.run("restore", "abort", "--pgdata", work.resolve("xid/data").toString());
        pg.close();
        TestDirs.delete(work);
    }

    private static JsonNode find(Path log, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--json", "target", "find", "--log", log.toString(),
                "--log-line-prefix", "%m [%p] xid=%x %q%u@%d ", "--log-timezone", "Asia/Kolkata", "--table", "accounts"));
        args.addAll(List.of(extra));
        Cli.Run run = cli.run(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        return Json.mapper().readTree(run.stdout());
    }

    private static Path file(String suffix) throws Exception {
        try (Stream<Path> s = Files.list(logDir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).findFirst().orElseThrow();
        }
    }

    @Test
    void allThreeFormatsFindTheSameStatementTimeAndXid() throws Exception {
        JsonNode stderr = find(file("postgresql"));
        JsonNode csv = find(file(".csv"));
        JsonNode json = find(file(".json"));
        for (JsonNode r : List.of(stderr, csv, json)) {
            JsonNode best = r.get("candidates").get(0);
            assertThat(best.get("sql").asText()).isEqualTo("DROP TABLE accounts");
            assertThat(best.get("xid").asLong()).as("inside BEGIN the xid is assigned").isPositive();
            assertThat(r.get("recommendation").get("kind").asText()).isEqualTo("xid");
        }
        assertThat(csv.get("candidates").get(0).get("time")).isEqualTo(stderr.get("candidates").get(0).get("time"));
        assertThat(json.get("candidates").get(0).get("xid")).isEqualTo(stderr.get("candidates").get(0).get("xid"));
        assertThat(stderr.get("scanned").get("entries").asLong()).isGreaterThan(10);
    }

    @Test
    void theFailedDropRanksBelowAndTheClassifierListsDestructiveStatementsWithoutAPattern() throws Exception {
        Cli.Run all = cli.run("--json", "target", "find", "--log", file(".csv").toString(), "--log-timezone", "Asia/Kolkata");
        JsonNode r = Json.mapper().readTree(all.stdout());
        List<String> sql = new ArrayList<>();
        r.get("candidates").forEach(c -> sql.add(c.get("sql").asText() + (c.get("failed").asBoolean() ? " (failed)" : "")));
        assertThat(sql.get(0)).isEqualTo("DROP TABLE accounts");
        assertThat(sql).contains("DROP TABLE no_such_table (failed)");
    }

    @Test
    void restoringToTheRecommendedXidKeepsTheCommitJustBeforeAndLosesTheDrop() throws Exception {
        long xid = find(file(".json")).get("recommendation").get("xid").asLong();
        Path pgdata = work.resolve("xid/data");
        Cli.Run run = cli.run("restore", "run", "--target-xid", String.valueOf(xid), "--pgdata", pgdata.toString(),
                "--promote", "--yes");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        int port = SeedScenarioIT.copyPort(pgdata);
        assertThat(SeedScenarioIT.queryOn(port, "SELECT count(*) FROM accounts")).isEqualTo("1000");
        assertThat(SeedScenarioIT.queryOn(port, "SELECT string_agg(note, ',' ORDER BY note) FROM audit"))
                .isEqualTo("before,committed just before the drop");
    }

    @Test
    void aPrefixWithoutMillisecondsOrXidFallsBackToASecondPreciseTime() throws Exception {
        Path log = Files.writeString(work.resolve("seconds.log"),
                Files.readString(file("postgresql")).replaceAll("(\\d\\d:\\d\\d:\\d\\d)\\.\\d{3} IST \\[(\\d+)\\] xid=\\d+ ", "$1 IST [$2] "));
        Cli.Run run = cli.run("target", "find", "--log", log.toString(), "--log-line-prefix", "%t [%p] %q%u@%d ",
                "--log-timezone", "Asia/Kolkata", "--table", "accounts");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout()).contains("recommended target (time)").contains("up to 1 s");
    }
}
