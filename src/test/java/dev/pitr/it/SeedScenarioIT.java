package dev.pitr.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;
import dev.pitr.pg.ProcessRunner;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed incident on a real PostgreSQL 15 archiving through pitr into a real S3 server: a backup, decoy
 * drops, DROP TABLE temp_migration_backup, later writes; then find it in the log and restore to just before.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeedScenarioIT {
    static final String PREFIX = "%m [%p] %q%u@%d ";
    static PgCluster pg;
    static Path work;
    static Cli cli;
    static String bucket;
    static Instant backupDone;
    static final List<Path> restores = new ArrayList<>();

    @BeforeAll
    static void incident() throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        bucket = s3.newBucket();
        work = TestDirs.shared("pitr-seed-");
        Map<String, String> env = new HashMap<>(s3.env(bucket));
        cli = new Cli(env, work);
        String archive = "'env PITR_REPO=s3://" + bucket + "/repo PITR_S3_ENDPOINT=" + s3.endpoint() + " "
                + ArchiveIT.LAUNCHER + " wal push %p'";
        pg = PgCluster.start(Map.of("wal_level", "replica", "archive_mode", "on", "archive_command", archive,
                "log_statement", "'ddl'", "log_line_prefix", "'" + PREFIX + "'",
                "log_timezone", "'America/New_York'"), Map.of());
        env.put("PITR_PGPORT", String.valueOf(pg.port()));
        cli = new Cli(env, work);
        pg.execute("CREATE TABLE temp_migration_backup AS SELECT g AS id, 'user' || g AS name FROM generate_series(1, 5000) g",
                "CREATE TABLE orders (id serial PRIMARY KEY, note text)",
                "INSERT INTO orders(note) SELECT 'old ' || g FROM generate_series(1, 100) g",
                "CREATE DATABASE staging");
        pg.pgbench("-i", "-s", "1", "-q");
        Cli.Run backup = cli.run("backup", "create");
        assertThat(backup.exitCode()).as(backup.stderr()).isZero();
        backupDone = Instant.now();
        try (Connection staging = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/staging",
                "postgres", "")) {
            staging.createStatement().execute("CREATE TABLE temp_migration_backup(id int)");
            staging.createStatement().execute("DROP TABLE temp_migration_backup"); // the drop that was meant
        }
        pg.pgbench("-c", "2", "-t", "500");
        pg.execute("CREATE TABLE other_table(id int)", "DROP TABLE other_table",
                "INSERT INTO orders(note) VALUES ('committed just before the drop')",
                "DROP TABLE temp_migration_backup",
                "INSERT INTO orders(note) SELECT 'after drop ' || g FROM generate_series(1, 50) g");
        pg.pgbench("-c", "2", "-t", "300");
        String last = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
        ArchiveIT.waitUntilArchived(pg, last);
    }

    @AfterAll
    static void cleanUp() {
        for (Path p : restores) {
            cli.run("restore", "abort", "--pgdata", p.toString());
        }
        if (pg != null) {
            pg.close();
        }
        TestDirs.delete(work);
    }

    private static Path newPgdata(String name) {
        Path p = work.resolve(name).resolve("data");
        restores.add(p);
        return p;
    }

    private static String[] findArgs(String... extra) {
        List<String> a = new ArrayList<>(List.of("--log", pg.serverLog().toString(), "--log-line-prefix", PREFIX,
                "--log-timezone", "America/New_York", "--table", "temp_migration_backup"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    private static String[] concat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(String[]::new);
    }

    static String queryOn(int port, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
             ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    @Order(1)
    void findRanksTheProductionDropFirstAmongDecoys() throws Exception {
        Cli.Run found = cli.run(concat(new String[]{"--json", "target", "find"}, findArgs()));
        assertThat(found.exitCode()).as(found.stderr()).isZero();
        JsonNode json = Json.mapper().readTree(found.stdout());
        JsonNode best = json.get("candidates").get(0);
        assertThat(best.get("database").asText()).isEqualTo("postgres");
        assertThat(best.get("sql").asText()).isEqualTo("DROP TABLE temp_migration_backup");
        assertThat(json.get("candidates")).hasSize(2); // the staging decoy is listed, ranked below
        assertThat(json.get("candidates").get(1).get("database").asText()).isEqualTo("staging");
        assertThat(json.get("recommendation").get("kind").asText()).isEqualTo("time");

        Cli.Run refined = cli.run(concat(new String[]{"target", "find", "--wal", "--database", "postgres"}, findArgs()));
        assertThat(refined.exitCode()).as(refined.stderr()).isZero();
        assertThat(refined.stdout()).contains("recommended target (lsn)").contains("recovery_target_lsn = '")
                .contains("rels: base/");
    }

    @Test
    @Order(2)
    void restoreFromTheLogBringsTheTableBackAndStopsJustBeforeTheDrop() throws Exception {
        Path pgdata = newPgdata("from-log");
        Cli.Run run = cli.run(concat(new String[]{"restore", "run", "--target-from-log", "--pgdata", pgdata.toString(),
                "--database", "postgres", "--check", "SELECT count(*) = 5000 FROM temp_migration_backup"}, findArgs()));
        assertThat(run.exitCode()).as(run.stderr() + run.stdout()).isZero();
        assertThat(run.stdout()).contains("READY");
        JsonNode journal = Json.mapper().readTree(cli.run("--json", "restore", "status", "--pgdata", pgdata.toString()).stdout());
        int port = journal.get("plan").get("port").asInt();
        assertThat(journal.get("state").asText()).isEqualTo("READY");
        assertThat(queryOn(port, "SELECT count(*) FROM temp_migration_backup")).isEqualTo("5000");
        assertThat(queryOn(port, "SELECT count(*) FROM orders WHERE note = 'committed just before the drop'")).isEqualTo("1");
        assertThat(queryOn(port, "SELECT count(*) FROM orders WHERE note LIKE 'after drop%'")).isEqualTo("0");
        assertThat(Files.readString(pgdata.resolve("postgresql.auto.conf"))).contains("archive_mode = 'off'");

        // promote: the copy is writable on a new timeline and never archives into the production repository
        assertThat(cli.run("restore", "promote", "--pgdata", pgdata.toString()).exitCode()).isZero();
        assertThat(queryOn(port, "SELECT pg_is_in_recovery()")).isEqualTo("f");
        queryOn(port, "SELECT count(*) FROM (SELECT pg_switch_wal()) s");
        Thread.sleep(1500);
        assertThat(cli.run("wal", "list", "--json").stdout()).doesNotContain("\"timeline\" : 2");
    }

    @Test
    @Order(3)
    void timeTargetsBeforeTheBackupOrAfterTheArchiveAreRefusedAndChangeNothing() {
        Path early = newPgdata("too-early");
        Cli.Run before = cli.run("restore", "run", "--target-time", "2001-01-01T00:00:00Z", "--pgdata", early.toString());
        assertThat(before.exitCode()).isEqualTo(2);
        assertThat(before.stderr()).contains("before the first backup");
        assertThat(Files.exists(early)).isFalse();
        assertThat(Files.exists(early.resolveSibling("data.pitr"))).isFalse();

        Cli.Run after = cli.run("restore", "plan", "--target-time", Instant.now().plusSeconds(3600).toString(),
                "--pgdata", early.toString());
        assertThat(after.exitCode()).isEqualTo(2);
        assertThat(after.stderr()).contains("after the last archived WAL");
    }

    @Test
    @Order(4)
    void aNonEmptyDataDirectoryOrABusyPortIsRefused() throws Exception {
        Path full = newPgdata("not-empty");
        Files.createDirectories(full);
        Files.writeString(full.resolve("precious.txt"), "keep me");
        Cli.Run nonEmpty = cli.run("restore", "run", "--target-immediate", "--pgdata", full.toString());
        assertThat(nonEmpty.exitCode()).isEqualTo(4);
        assertThat(nonEmpty.stderr()).contains("is not empty");
        assertThat(Files.readString(full.resolve("precious.txt"))).isEqualTo("keep me");
        assertThat(Files.exists(full.resolveSibling("data.pitr"))).isFalse();

        Path busy = newPgdata("busy-port");
        Cli.Run port = cli.run("restore", "run", "--target-immediate", "--pgdata", busy.toString(),
                "--port", String.valueOf(pg.port()));
        assertThat(port.exitCode()).isEqualTo(4);
        assertThat(port.stderr()).contains("port " + pg.port() + " is in use");
        assertThat(Files.exists(busy)).isFalse();
    }

    @Test
    @Order(5)
    void killMinus9DuringReplayThenResumeFinishesWithoutFetchingTheBackupAgain() throws Exception {
        Path pgdata = newPgdata("killed");
        Files.createDirectories(pgdata.getParent());
        Map<String, String> env = new HashMap<>(EmbeddedS3.shared().env(bucket));
        ProcessBuilder pb = new ProcessBuilder(ArchiveIT.LAUNCHER, "restore", "run", "--target-latest",
                "--pgdata", pgdata.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("killed.out").toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        Path journalFile = pgdata.resolveSibling("data.pitr").resolve("journal.json");
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(journalFile) && Files.readString(journalFile).contains("\"state\" : \"REPLAY\"")) {
                break;
            }
            Thread.sleep(10);
        }
        ProcessRunner.run(List.of("kill", "-9", String.valueOf(p.pid())), Map.of(), Duration.ofSeconds(10));
        p.waitFor();
        JsonNode crashed = Json.mapper().readTree(journalFile.toFile());
        assertThat(crashed.get("state").asText()).isEqualTo("REPLAY");

        Cli.Run resumed = cli.run("restore", "resume", "--pgdata", pgdata.toString());
        assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
        JsonNode journal = Json.mapper().readTree(journalFile.toFile());
        assertThat(journal.get("state").asText()).isEqualTo("READY");
        long fetches = 0;
        for (JsonNode step : journal.get("steps")) {
            if (step.get("state").asText().equals("FETCH_BACKUP")) {
                fetches++;
            }
        }
        assertThat(fetches).as("the base backup is fetched once").isEqualTo(1);
        int port = journal.get("plan").get("port").asInt();
        assertThat(queryOn(port, "SELECT count(*) FROM orders WHERE note LIKE 'after drop%'")).isEqualTo("50");
        assertThat(cli.run("restore", "status", "--pgdata", pgdata.toString()).stdout()).contains("REPLAY").contains("READY");
    }

    @Test
    @Order(6)
    void theRepositoryHoldsOnlyTheOriginalTimeline() {
        // after a promoted restore and a resumed one, still only the production timeline was archived
        assertThat(cli.run("wal", "list").stdout()).contains("timeline 1:").doesNotContain("timeline 2:");
    }
}
