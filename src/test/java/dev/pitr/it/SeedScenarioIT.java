package dev.pitr.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;
import dev.pitr.restore.RestorePlan;
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

import java.io.IOException;
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
import java.util.Set;

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
    static Instant beforeDrop;
    static String firstBackup;
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
        Cli.Run backup = cli.run("--json", "backup", "create");
        assertThat(backup.exitCode()).as(backup.stderr()).isZero();
        firstBackup = Json.mapper().readTree(backup.stdout()).get("id").asText();
        backupDone = Instant.now();
        try (Connection staging = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/staging",
                "postgres", "")) {
            staging.createStatement().execute("CREATE TABLE temp_migration_backup(id int)");
            staging.createStatement().execute("DROP TABLE temp_migration_backup"); // the drop that was meant
        }
        pg.pgbench("-c", "2", "-t", "500");
        pg.execute("CREATE TABLE other_table(id int)", "DROP TABLE other_table",
                "INSERT INTO orders(note) VALUES ('committed just before the drop')",
                "SELECT pg_create_restore_point('before_drop')");
        beforeDrop = Instant.now();
        Thread.sleep(20);
        pg.execute("DROP TABLE temp_migration_backup",
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

    /** The port of the restored copy in {@code pgdata}, from its journal's plan (what scripts read). */
    static int copyPort(Path pgdata) throws IOException {
        return Json.mapper().readTree(pgdata.resolveSibling("data.pitr").resolve("journal.json").toFile())
                .get("plan").get("port").asInt();
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
        assertThat(refined.stdout()).as("the default stops just before the DROP's commit: no other commit lost")
                .contains("recommended target (xid)").contains("recovery_target_xid = '").contains("rels: base/")
                .contains("--stop-before first-record loses");
        Cli.Run firstRecord = cli.run(concat(new String[]{"target", "find", "--wal", "--database", "postgres",
                "--stop-before", "first-record"}, findArgs()));
        assertThat(firstRecord.stdout()).contains("recommended target (lsn)").contains("recovery_target_lsn = '");
        assertThat(cli.run(concat(new String[]{"target", "find", "--wal", "--stop-before", "last"}, findArgs())).exitCode())
                .isEqualTo(2);
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
        assertThat(queryOn(port, "SELECT count(*) FROM orders WHERE note = 'committed just before the drop'"))
                .as(run.stderr() + String.join("\n", Files.readAllLines(pg.serverLog()))).isEqualTo("1");
        assertThat(queryOn(port, "SELECT count(*) FROM orders WHERE note LIKE 'after drop%'")).isEqualTo("0");
        assertThat(Files.readString(pgdata.resolve("postgresql.auto.conf"))).contains("archive_mode = 'off'")
                .contains("recovery_init_sync_method = 'syncfs'");
        // replay's settings for a copy: more shared buffers than the primary's 128 MB (where memory allows), and
        // the server's probe for timeline 2 answered from the restore's note, not by a JVM asking the repository
        long free = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemAvailable:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow() * 1024;
        if (free / 4 > 256L << 20) {
            assertThat(Long.parseLong(queryOn(port, "SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'")))
                    .isGreaterThan(128L << 20);
        }
        assertThat(RestorePlan.stateDirFor(pgdata).resolve("spool/00000002.history.absent")).exists();

        // promote: the copy is writable on a new timeline and never archives into the production repository
        assertThat(cli.run("--yes", "restore", "promote", "--pgdata", pgdata.toString()).exitCode()).isZero();
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
        assertThat(after.stderr()).contains("after the newest archived commit").contains("--target-latest");
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
    void killMinus9DuringFetchPrefetchOrReplayThenResumeFinishesAndNeverRefetchesAFinishedBackup() throws Exception {
        for (String step : List.of("FETCH_BACKUP", "PREFETCH_WAL", "REPLAY")) {
            // a step can take less time than one look at the journal (PREFETCH_WAL after the early download):
            // a kill that lands after it is tried again on a fresh directory
            Path pgdata = null;
            Path journalFile = null;
            for (int attempt = 1; attempt <= 5; attempt++) {
                pgdata = newPgdata("killed-" + step + "-" + attempt);
                journalFile = pgdata.resolveSibling("data.pitr").resolve("journal.json");
                if (killDuring(step, pgdata, journalFile)) {
                    break;
                }
                cli.run("restore", "abort", "--pgdata", pgdata.toString());
            }
            JsonNode crashed = Json.mapper().readTree(journalFile.toFile());
            assertThat(crashed.get("state").asText()).as("killed during " + step).isEqualTo(step);

            Cli.Run resumed = cli.run("restore", "resume", "--pgdata", pgdata.toString());
            assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
            JsonNode journal = Json.mapper().readTree(journalFile.toFile());
            assertThat(journal.get("state").asText()).isEqualTo("READY");
            long fetchesDone = 0;
            long fetchRuns = 0;
            for (JsonNode s : journal.get("steps")) {
                if (s.get("state").asText().equals("FETCH_BACKUP")) {
                    fetchRuns++;
                    fetchesDone += s.get("outcome").asText().equals("done") ? 1 : 0;
                }
            }
            assertThat(fetchesDone).as("the backup is fetched to completion once").isEqualTo(1);
            assertThat(fetchRuns).as("only an interrupted fetch runs again").isEqualTo(step.equals("FETCH_BACKUP") ? 2 : 1);
            int port = journal.get("plan").get("port").asInt();
            assertThat(queryOn(port, "SELECT count(*) FROM orders WHERE note LIKE 'after drop%'")).isEqualTo("50");
            assertThat(cli.run("restore", "status", "--pgdata", pgdata.toString()).stdout()).contains(step).contains("READY");
            cli.run("restore", "abort", "--pgdata", pgdata.toString());
        }
    }

    @Test
    @Order(6)
    void theRepositoryHoldsOnlyTheOriginalTimeline() {
        // after a promoted restore and a resumed one, still only the production timeline was archived
        assertThat(cli.run("wal", "list").stdout()).contains("timeline 1:").doesNotContain("timeline 2:");
    }

    static Path productionConfig(Path pgdata) throws Exception {
        return Files.writeString(work.resolve("prod.yaml"), """
                clusters:
                  shop:
                    environment: production
                    repo: s3://%s/repo
                    s3:
                      endpoint: %s
                    pgdata: %s
                    port: %d
                """.formatted(bucket, EmbeddedS3.shared().endpoint(), pgdata, pg.port()));
    }

    @Test
    @Order(7)
    void restoringIntoProductionsConfiguredDataDirectoryNeedsTheTypedClusterName() throws Exception {
        Path pgdata = newPgdata("prod-restore");
        Path cfg = productionConfig(pgdata);
        Cli.Run bare = cli.run("--config", cfg.toString(), "restore", "run", "--target-immediate", "--pgdata", pgdata.toString());
        assertThat(bare.exitCode()).isEqualTo(4);
        assertThat(bare.stderr()).contains("!! PRODUCTION !! cluster shop").contains("pass --yes --confirm-cluster shop");
        assertThat(Files.exists(pgdata)).isFalse();
        assertThat(Files.exists(pgdata.resolveSibling("data.pitr"))).isFalse();

        Cli.Run wrong = cli.run("--config", cfg.toString(), "--yes", "--confirm-cluster", "shop-staging", "restore", "run",
                "--target-immediate", "--pgdata", pgdata.toString());
        assertThat(wrong.exitCode()).isEqualTo(4);
        assertThat(wrong.stderr()).contains("(got 'shop-staging')");
        assertThat(Files.exists(pgdata)).isFalse();

        Cli.Run ok = cli.run("--config", cfg.toString(), "--yes", "--confirm-cluster", "shop", "restore", "run",
                "--target-immediate", "--pgdata", pgdata.toString());
        assertThat(ok.exitCode()).as(ok.stderr()).isZero();
        assertThat(ok.stdout()).contains("READY");
    }

    @Test
    @Order(8)
    void onATerminalTheBannerShowsAndAWrongTypedNameAborts() throws Exception {
        Path cfg = productionConfig(work.resolve("unused/data"));
        String cmd = ArchiveIT.LAUNCHER + " --config " + cfg + " expire --keep-full 9";
        Map<String, String> env = new HashMap<>(EmbeddedS3.shared().env(bucket));
        env.put("PITR_AUDIT_LOG", work.resolve("audit.jsonl").toString());
        for (String typed : List.of("shop-staging", "shop")) {
            ProcessBuilder pb = new ProcessBuilder("script", "-qec", cmd, "/dev/null").redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().write((typed + "\n").getBytes());
            p.getOutputStream().close();
            String screen = new String(p.getInputStream().readAllBytes());
            int code = p.waitFor();
            assertThat(screen).contains("PRODUCTION").contains("Type the cluster name to go on");
            if (typed.equals("shop")) {
                assertThat(code).as(screen).isZero();
                assertThat(screen).contains("retained backups: ").contains("WAL objects (before ");
            } else {
                assertThat(code).as(screen).isEqualTo(4);
                assertThat(screen).contains("not confirmed ('shop-staging'): nothing was changed");
            }
        }
    }

    @Test
    @Order(9)
    void walFromAnotherClusterIsRefusedAndTheRepositoryIsUnchanged() throws Exception {
        Path other = TestDirs.serverOwned("pitr-other-");
        try {
            pg.ctl().initdb(other.resolve("data"), List.of("-U", "postgres", "--no-sync"));
            Path seg = other.resolve("data/pg_wal/000000010000000000000001");
            int before = cli.run("--json", "wal", "list").stdout().length();
            Cli.Run push = cli.run("wal", "push", seg.toString());
            assertThat(push.exitCode()).isEqualTo(4);
            assertThat(push.stderr()).contains("belongs to the cluster with system identifier "
                    + pg.query("SELECT system_identifier FROM pg_control_system()"));
            assertThat(cli.run("--json", "wal", "list").stdout().length()).isEqualTo(before);
        } finally {
            TestDirs.delete(other);
        }
    }

    @Test
    @Order(10)
    void theAuditTrailHasARecordPerCommandAndNoSecretAppearsAnywhere() throws Exception {
        JsonNode before = Json.mapper().readTree(cli.run("--json", "audit").stdout());
        cli.run("restore", "run", "--target-time", "2001-01-01T00:00:00Z", "--pgdata", work.resolve("x/data").toString());
        cli.run("backup", "create");
        JsonNode after = Json.mapper().readTree(cli.run("--json", "audit").stdout());
        assertThat(after.size() - before.size()).isEqualTo(2);
        JsonNode refused = after.get(after.size() - 2);
        assertThat(refused.get("exit_code").asInt()).isEqualTo(2);
        assertThat(refused.get("command").asText()).startsWith("pitr restore run --target-time 2001");
        assertThat(refused.get("os_user").asText()).isNotEmpty();

        List<String> places = new ArrayList<>();
        try (var files = Files.walk(work)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> f.toString().matches(".*\\.(json|jsonl|log|out|yaml|conf)$")).toList()) {
                String text = Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1);
                if (text.contains(EmbeddedS3.SECRET_KEY) || text.contains(System.getenv("PGPASSWORD"))) {
                    places.add(f.toString());
                }
            }
        }
        assertThat(places).as("files holding a secret").isEmpty();
        assertThat(System.getenv("PGPASSWORD")).as("set by the build for this check").isNotBlank();
        assertThat(Files.readString(cli.transcript())).contains("pitr restore run").doesNotContain(EmbeddedS3.SECRET_KEY)
                .doesNotContain(System.getenv("PGPASSWORD"));
        assertThat(after.toString()).doesNotContain(EmbeddedS3.SECRET_KEY);
    }

    @Test
    @Order(11)
    void salvageCopiesTheTableIntoTheLiveDatabaseKeepingLaterWrites() throws Exception {
        Path fromLog = work.resolve("from-log/data");
        int port = SeedScenarioIT.copyPort(fromLog);
        assertThat(pg.query("SELECT to_regclass('public.temp_migration_backup') IS NULL")).isEqualTo("t");
        Cli.Run renamed = cli.run("--yes", "salvage", "--from-port", String.valueOf(port), "--table", "temp_migration_backup",
                "--as", "temp_migration_backup_restored");
        assertThat(renamed.exitCode()).as(renamed.stderr()).isZero();
        assertThat(renamed.stderr()).contains("live database: postgres on 127.0.0.1:" + pg.port() + ", system identifier");
        assertThat(renamed.stdout()).contains("5000 rows in the restored copy").contains("5000 rows in the live database");
        assertThat(pg.query("SELECT count(*) FROM temp_migration_backup_restored")).isEqualTo("5000");

        Cli.Run again = cli.run("--yes", "salvage", "--from-port", String.valueOf(port), "--table", "temp_migration_backup",
                "--as", "temp_migration_backup_restored");
        assertThat(again.exitCode()).as("never overwrites").isEqualTo(4);

        Cli.Run original = cli.run("--yes", "salvage", "--from-port", String.valueOf(port), "--table",
                "public.temp_migration_backup", "--original-name");
        assertThat(original.exitCode()).as(original.stderr()).isZero();
        assertThat(pg.query("SELECT count(*) FROM temp_migration_backup")).isEqualTo("5000");
        assertThat(pg.query("SELECT count(*) FROM orders WHERE note LIKE 'after drop%'")).as("later writes kept").isEqualTo("50");
        Cli.Run unconfirmed = cli.run("salvage", "--from-port", String.valueOf(port), "--table", "temp_migration_backup",
                "--as", "x_copy");
        assertThat(unconfirmed.exitCode()).isEqualTo(4);
        assertThat(pg.query("SELECT to_regclass('public.x_copy') IS NULL")).isEqualTo("t");
    }

    /** Starts a restore and SIGKILLs it once the journal shows {@code step} running; whether it died there. */
    private static boolean killDuring(String step, Path pgdata, Path journalFile) throws Exception {
        Files.createDirectories(pgdata.getParent());
        ProcessBuilder pb = new ProcessBuilder(ArchiveIT.LAUNCHER, "restore", "run", "--target-latest",
                "--pgdata", pgdata.toString()).redirectErrorStream(true)
                .redirectOutput(pgdata.resolveSibling("restore.out").toFile());
        pb.environment().putAll(EmbeddedS3.shared().env(bucket));
        Process p = pb.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.exists(journalFile)) {
                JsonNode steps = Json.mapper().readTree(journalFile.toFile()).get("steps");
                JsonNode last = steps.size() == 0 ? null : steps.get(steps.size() - 1);
                if (last != null && last.get("state").asText().equals(step) && last.get("outcome").asText().equals("running")) {
                    break; // the step itself has started
                }
            }
            Thread.sleep(1);
        }
        p.destroyForcibly(); // SIGKILL (the launcher exec'd java, so this is pitr itself)
        p.waitFor();
        return Files.exists(journalFile) && Json.mapper().readTree(journalFile.toFile()).get("state").asText().equals(step);
    }

    @Test
    @Order(12)
    void everyRunnableCommandInTheRunbooksWorksAsWritten() throws Exception {
        // the incident state the runbooks start from: the table is gone from production, its WAL archived
        pg.execute("DROP TABLE IF EXISTS temp_migration_backup");
        ArchiveIT.waitUntilArchived(pg, pg.query("SELECT pg_walfile_name(pg_switch_wal())"));
        Path scratch = Files.createDirectories(work.resolve("runbook-scratch"));
        Path checks = Files.writeString(work.resolve("runbook-checks.yaml"),
                "checks:\n  - row_count: {table: orders, at_least: 100}\n");
        Path restore = newPgdata("runbook-restore");
        Map<String, String> vars = Map.of("RESTORE_PORT", String.valueOf(PgCluster.freePort()), "RESTORE", restore.toString(),
                "SCRATCH", scratch.toString(), "CHECKS", checks.toString(), "DB", "postgres",
                "TABLE", "public.temp_migration_backup");
        Map<String, String> env = new HashMap<>(EmbeddedS3.shared().env(bucket));
        env.put("PITR_PGPORT", String.valueOf(pg.port()));
        env.put("PITR_LOG_DIRECTORY", pg.dir().toString());
        env.put("PITR_LOG_LINE_PREFIX", PREFIX);
        Cli runbookCli = new Cli(env, work);
        int ran = 0;
        try (var books = Files.list(Path.of("runbooks"))) {
            for (Path book : books.sorted().toList()) {
                ran += Runbooks.run(book, Set.of("drop"), vars, runbookCli).size();
            }
        }
        assertThat(ran).isGreaterThanOrEqualTo(15);
        assertThat(pg.query("SELECT count(*) FROM temp_migration_backup")).as("the runbook's salvage").isEqualTo("5000");
    }

    @Test
    @Order(13)
    void namedTimeAndImmediateTargetsStopWhereTheySay() throws Exception {
        record Case(String name, List<String> target, String justBefore, String afterDrop) {
        }
        for (Case c : List.of(
                new Case("name", List.of("--target-name", "before_drop"), "1", "0"),
                new Case("time", List.of("--target-time", beforeDrop.toString()), "1", "0"),
                new Case("immediate", List.of("--target-immediate"), "0", "0"))) {
            Path pgdata = newPgdata("target-" + c.name());
            // later tests took newer backups; name and immediate targets use the newest unless told otherwise
            List<String> args = new ArrayList<>(List.of("restore", "run", "--backup", firstBackup, "--pgdata",
                    pgdata.toString()));
            args.addAll(c.target());
            Cli.Run run = cli.run(args.toArray(String[]::new));
            assertThat(run.exitCode()).as(c.name() + ": " + run.stderr()).isZero();
            int port = SeedScenarioIT.copyPort(pgdata);
            assertThat(queryOn(port, "SELECT count(*) FROM orders WHERE note = 'committed just before the drop'"))
                    .as(c.name()).isEqualTo(c.justBefore());
            assertThat(queryOn(port, "SELECT count(*) FROM orders WHERE note LIKE 'after drop%'")).as(c.name())
                    .isEqualTo(c.afterDrop());
            assertThat(queryOn(port, "SELECT count(*) FROM orders WHERE note LIKE 'old %'")).as(c.name()).isEqualTo("100");
            cli.run("restore", "abort", "--pgdata", pgdata.toString());
        }
    }
}
