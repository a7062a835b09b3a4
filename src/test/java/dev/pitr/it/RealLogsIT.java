package dev.pitr.it;

import dev.pitr.target.log.CsvlogReader;
import dev.pitr.target.log.LogReader;
import dev.pitr.target.log.PrefixDetector;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.SyslogReceiver;
import dev.pitr.testkit.TestDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Logs written by a real PostgreSQL 15 with the settings real installations use — log_min_duration_statement
 * instead of log_statement, lc_messages in German, zones whose abbreviation is ambiguous (CST, IST, AST),
 * every shipped log_line_prefix without the flag, syslog through a real syslog(3) socket, journald and
 * container wrappers — each checked against the ground truth of track_commit_timestamp: the recommended
 * target keeps the commit just before the mistake and excludes the mistake's own commit. Two of them are
 * restored for real.
 */
class RealLogsIT {
    static PgCluster pg;
    static Path work;
    static Path logDir;
    static Cli cli;
    static final DateTimeFormatter PG_TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSxxx");

    /** What happened around one mistake: the commit before it, its own commit, and the log it left. */
    record Incident(String name, Instant committedBefore, Instant mistakeCommitted, long mistakeXid, Path stderr, Path csv,
                    Path json) {
    }

    @BeforeAll
    static void server() throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        work = TestDirs.shared("pitr-reallogs-");
        logDir = ArchiveIT.logDirectory(work);
        String archive = ArchiveIT.archiveCommandTo(s3, bucket);
        Map<String, String> conf = new HashMap<>(Map.of("wal_level", "replica", "archive_mode", "on",
                "archive_command", archive, "track_commit_timestamp", "on", "autovacuum", "off",
                "logging_collector", "on", "log_destination", "'stderr,csvlog,jsonlog'",
                "log_directory", "'" + logDir + "'", "log_filename", "'postgresql'"));
        conf.put("lc_messages", "'C'");
        // LANGUAGE picks the catalog once lc_messages is a real locale (C.UTF-8); with 'C' messages stay English
        pg = PgCluster.start(conf, Map.of("LANGUAGE", "de", "TZ", "UTC"));
        Map<String, String> env = new HashMap<>(s3.env(bucket));
        env.put("PITR_PGPORT", String.valueOf(pg.port()));
        Cli admin = new Cli(env, work);
        env.put("PITR_PGPORT", "1"); // no server to ask: the logs must speak for themselves
        cli = new Cli(env, work);
        pg.execute("CREATE TABLE audit (note text)");
        Cli.Run backup = admin.run("backup", "create");
        assertThat(backup.exitCode()).as(backup.stderr()).isZero();
    }

    @AfterAll
    static void cleanUp() {
        if (cli != null) {
            for (String d : List.of("duration", "german", "onestring")) {
                cli.run("restore", "abort", "--pgdata", work.resolve(d + "/data").toString());
            }
        }
        if (pg != null) {
            pg.close();
        }
        TestDirs.delete(work);
    }

    /** Applies log settings with ALTER SYSTEM and waits until a new session sees them. */
    static void settings(Map<String, String> values) throws Exception {
        for (var e : values.entrySet()) {
            pg.execute("ALTER SYSTEM SET " + e.getKey() + " = " + e.getValue());
        }
        pg.execute("SELECT pg_reload_conf()");
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (var e : values.entrySet()) {
            String want = e.getValue().replaceAll("^'|'$", "");
            while (!want.equals(pg.query("SHOW " + e.getKey())) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
    }

    interface Mistake {
        void run(Statement s) throws Exception;
    }

    /**
     * A marker commit, a pause longer than the log's time precision, then the mistake; the logs it wrote
     * are cut out of the collector's files into files of their own.
     */
    static Incident incident(String name, long pauseMillis, Mistake mistake) throws Exception {
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (String f : List.of("postgresql", "postgresql.csv", "postgresql.json")) {
            sizes.put(f, Files.size(logDir.resolve(f)));
        }
        Instant before;
        Instant committed;
        long xid;
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO audit VALUES ('before " + name + "')");
            before = lastCommit(s);
            Thread.sleep(pauseMillis);
            mistake.run(s);
            committed = lastCommit(s);
            try (ResultSet rs = s.executeQuery("SELECT xid::text FROM pg_last_committed_xact()")) {
                rs.next();
                xid = Long.parseLong(rs.getString(1));
            }
        }
        assertThat(committed).as("the mistake must commit something (a DELETE of no rows assigns no xid)").isAfter(before);
        // the logging collector writes asynchronously: a marker logged after the mistake shows everything before it is out
        String marker = "pitr marker: " + name + " written";
        pg.execute("DO $$ BEGIN RAISE LOG '" + marker + "'; END $$");
        String destinations = pg.query("SHOW log_destination");
        for (String f : sizes.keySet()) {
            String destination = f.endsWith(".csv") ? "csvlog" : f.endsWith(".json") ? "jsonlog" : "stderr";
            if (destinations.contains(destination)) {
                FailoverIT.waitUntil(() -> Files.readString(logDir.resolve(f)).contains(marker), marker + " in " + f);
            }
        }
        Path dir = Files.createDirectories(work.resolve("logs-" + name));
        List<Path> out = new ArrayList<>();
        for (var e : sizes.entrySet()) {
            byte[] all = Files.readAllBytes(logDir.resolve(e.getKey()));
            Path p = dir.resolve(e.getKey().replace("postgresql", name + (e.getKey().equals("postgresql") ? ".log" : "")));
            Files.write(p, java.util.Arrays.copyOfRange(all, e.getValue().intValue(), all.length));
            out.add(p);
        }
        return new Incident(name, before, committed, xid, out.get(0), out.get(1), out.get(2));
    }

    static Instant lastCommit(Statement s) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT timestamp FROM pg_last_committed_xact()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        }
    }

    static JsonNode find(Path log, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--json", "target", "find", "--log", log.toString()));
        args.addAll(List.of(flags));
        Cli.Run run = cli.run(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.stderr() + run.stdout()).isZero();
        return Json.mapper().readTree(run.stdout());
    }

    /**
     * The ground truth: the target keeps the commit just before the mistake and excludes the mistake's commit
     * (an xid target must be the mistake's own transaction).
     */
    static Instant assertKeepsBeforeAndExcludesMistake(Incident i, JsonNode found) {
        JsonNode rec = found.get("recommendation");
        if (rec.get("kind").asText().equals("xid")) {
            assertThat(rec.get("xid").asLong()).as("the log's xid is the mistake's transaction").isEqualTo(i.mistakeXid());
            return null;
        }
        assertThat(rec.get("kind").asText()).isEqualTo("time");
        Instant t = OffsetDateTime.parse(rec.get("settings").get("recovery_target_time").asText(), PG_TS).toInstant();
        assertThat(t).as("the target must lie after the commit just before the mistake (%s)", i.committedBefore())
                .isAfter(i.committedBefore());
        assertThat(t).as("the target must not lie after the mistake's commit (%s): %s", i.mistakeCommitted(), rec)
                .isBeforeOrEqualTo(i.mistakeCommitted());
        return t;
    }

    /** Restores to what the incident's log recommends: the table as it was, the commit just before it kept. */
    static void assertRestored(Incident i, String table, String rows, String... flags) throws Exception {
        int port = restore(i.name(), i.stderr(), flags);
        assertThat(queryOn(port, "SELECT count(*) FROM " + table)).as("the mistake is not replayed").isEqualTo(rows);
        assertThat(queryOn(port, "SELECT count(*) FROM audit WHERE note = 'before " + i.name() + "'")).isEqualTo("1");
    }

    static int restore(String dir, Path log, String... flags) throws Exception {
        String last = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
        ArchiveIT.waitUntilArchived(pg, last);
        Path pgdata = work.resolve(dir + "/data");
        List<String> args = new ArrayList<>(List.of("restore", "run", "--target-from-log", "--pgdata", pgdata.toString(),
                "--log", log.toString()));
        args.addAll(List.of(flags));
        Cli.Run run = cli.run(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.stderr() + run.stdout()).isZero();
        return Json.mapper().readTree(cli.run("--json", "restore", "status", "--pgdata", pgdata.toString()).stdout())
                .get("plan").get("port").asInt();
    }

    /** A query on the restored copy that fails instead of waiting forever (a replayed lock would hang it). */
    static String queryOn(int port, String sql) throws Exception {
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                + "/postgres?options=-c%20statement_timeout%3D20000", "postgres", "");
             ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aDurationLineInAutocommitGivesATargetBeforeTheDeleteAndTheRestoreHasTheRows() throws Exception {
        settings(Map.of("log_line_prefix", "'%m [%p] %q%u@%d '", "log_statement", "'none'",
                "log_min_duration_statement", "0", "log_timezone", "'Asia/Shanghai'", "lc_messages", "'C'"));
        pg.execute("CREATE TABLE orders AS SELECT g AS id, 'order ' || g AS item FROM generate_series(1, 500) g");
        Incident i = incident("duration", 20, s -> s.execute("DELETE FROM orders"));
        // CST is China, Cuba and US Central: without the zone pitr refuses rather than guess
        Cli.Run ambiguous = cli.run("target", "find", "--log", i.stderr().toString(), "--table", "orders");
        assertThat(ambiguous.exitCode()).isEqualTo(2);
        assertThat(ambiguous.stderr()).contains("'CST' is ambiguous").contains("Asia/Shanghai").contains("--log-timezone");
        Cli.Run jsonError = cli.run("--json", "target", "find", "--log", i.stderr().toString(), "--table", "orders");
        assertThat(Json.mapper().readTree(jsonError.stdout()).get("exit").asInt()).isEqualTo(2);

        JsonNode found = find(i.stderr(), "--table", "orders", "--log-timezone", "Asia/Shanghai");
        assertThat(found.get("log_line_prefix").asText()).contains("%m [%p] %q%u@%d").contains("Debian");
        assertThat(found.get("recommendation").get("reason").asText()).contains("when it ended").contains("ms");
        Instant t = assertKeepsBeforeAndExcludesMistake(i, found);
        for (Path other : List.of(i.csv(), i.json())) {
            // logged after the statement ran, the line knows its transaction: csvlog and jsonlog give the exact xid
            JsonNode same = find(other, "--table", "orders", "--log-timezone", "Asia/Shanghai");
            assertThat(same.get("recommendation").get("kind").asText()).isEqualTo("xid");
            assertKeepsBeforeAndExcludesMistake(i, same);
        }
        // all three destinations in one directory: one candidate, not three, and the one that knows the xid
        JsonNode dir = find(i.stderr().getParent(), "--table", "orders", "--log-timezone", "Asia/Shanghai");
        assertThat(dir.get("candidates")).hasSize(1);
        assertThat(dir.get("candidates").get(0).get("xid").asLong()).isEqualTo(i.mistakeXid());

        assertRestored(i, "orders", "500", "--table", "orders", "--log-timezone", "Asia/Shanghai");
    }

    @Test
    void germanMessagesWithTheRdsPrefixAndIndianTimeRestoreToJustBeforeTheTruncate() throws Exception {
        settings(Map.of("log_line_prefix", "'%t:%r:%u@%d:[%p]:'", "log_statement", "'all'",
                "log_min_duration_statement", "-1", "log_timezone", "'Asia/Kolkata'", "lc_messages", "'C.UTF-8'"));
        pg.execute("CREATE TABLE customers AS SELECT g AS id FROM generate_series(1, 300) g");
        Incident i = incident("german", 1100, s -> {
            try {
                s.execute("TRUNCATE no_such_table");
            } catch (java.sql.SQLException expected) {
                // FEHLER + ANWEISUNG: a failed attempt, logged in German, ranks last
            }
            s.execute("TRUNCATE customers");
        });
        assertThat(Files.readString(i.stderr())).contains("LOG:  Ausführen <unnamed>: TRUNCATE customers").contains("FEHLER:  ");
        JsonNode found = find(i.stderr(), "--table", "customers", "--log-timezone", "Asia/Kolkata");
        assertThat(found.get("log_line_prefix").asText()).contains("%t:%r:%u@%d:[%p]:");
        assertKeepsBeforeAndExcludesMistake(i, found);
        JsonNode all = find(i.csv(), "--log-timezone", "Asia/Kolkata");
        List<String> sql = new ArrayList<>();
        all.get("candidates").forEach(c -> sql.add(c.get("sql").asText() + (c.get("failed").asBoolean() ? " (failed)" : "")));
        assertThat(sql).containsExactly("TRUNCATE customers", "TRUNCATE no_such_table (failed)");

        assertRestored(i, "customers", "300", "--table", "customers", "--log-timezone", "Asia/Kolkata");
    }

    @Test
    void anUpdateInsideATransactionIsFoundPastARolledBackDeleteInAtlanticTime() throws Exception {
        settings(Map.of("log_line_prefix", "'%t [%p]: user=%u,db=%d,app=%a,client=%h '", "log_statement", "'none'",
                "log_min_duration_statement", "0", "log_timezone", "'America/Halifax'", "lc_messages", "'C'"));
        pg.execute("CREATE TABLE accounts AS SELECT g AS id, 100 AS balance FROM generate_series(1, 200) g");
        // %t prints whole seconds, and a duration line's start is rounded down to them: 2 s of window
        Incident i = incident("transaction", 2100, s -> {
            s.execute("BEGIN");
            s.execute("DELETE FROM accounts");
            s.execute("ROLLBACK"); // undone by its own session: not the mistake
            s.execute("BEGIN");
            s.execute("UPDATE accounts SET balance = 0");
            Thread.sleep(300);
            s.execute("COMMIT");
        });
        Cli.Run ambiguous = cli.run("target", "find", "--log", i.stderr().toString(), "--table", "accounts");
        assertThat(ambiguous.stderr()).contains("'AST' is ambiguous");
        JsonNode found = find(i.stderr(), "--table", "accounts", "--log-timezone", "America/Halifax");
        assertThat(found.get("log_line_prefix").asText()).contains("pgBadger");
        JsonNode first = found.get("candidates").get(0);
        assertThat(first.get("sql").asText()).isEqualTo("UPDATE accounts SET balance = 0");
        JsonNode decoy = found.get("candidates").get(1);
        assertThat(decoy.get("sql").asText()).isEqualTo("DELETE FROM accounts");
        assertThat(decoy.get("rolled_back").asBoolean()).isTrue();
        assertKeepsBeforeAndExcludesMistake(i, found);
    }

    @Test
    void aDeleteRolledBackInsideOneQueryStringAfterTheCommittedOneIsSetAside() throws Exception {
        settings(Map.of("log_line_prefix", "'%m [%p] %q%u@%d '", "log_statement", "'all'",
                "log_min_duration_statement", "-1", "log_timezone", "'UTC'", "lc_messages", "'C'"));
        pg.execute("CREATE TABLE carts AS SELECT g AS id FROM generate_series(1, 150) g");
        Incident i = incident("onestring", 100, s -> {
            s.execute("DELETE FROM carts"); // the mistake, in autocommit
            try (Connection simple = pg.connectSimple("postgres"); Statement one = simple.createStatement()) {
                one.execute("BEGIN; DELETE FROM carts; ROLLBACK;"); // later, undone by its own query string
            }
        });
        assertThat(Files.readString(i.stderr())).as("one logged statement").contains("BEGIN; DELETE FROM carts; ROLLBACK;");
        JsonNode found = find(i.stderr(), "--table", "carts");
        JsonNode first = found.get("candidates").get(0);
        assertThat(first.get("sql").asText()).isEqualTo("DELETE FROM carts");
        assertThat(first.get("outcome").asText()).isEqualTo("MAY_HAVE_COMMITTED");
        JsonNode decoy = found.get("candidates").get(1);
        assertThat(decoy.get("sql").asText()).startsWith("BEGIN; DELETE FROM carts; ROLLBACK");
        assertThat(decoy.get("outcome").asText()).isEqualTo("ROLLED_BACK_IN_QUERY");
        assertThat(cli.run("target", "find", "--log", i.stderr().toString(), "--table", "carts").stdout())
                .contains("ROLLED BACK by its own query string: set aside");
        assertKeepsBeforeAndExcludesMistake(i, found);
        assertRestored(i, "carts", "150", "--table", "carts");
    }

    @Test
    void aDropInsideADoBlockIsFoundAndSaidToBeInsideIt() throws Exception {
        settings(Map.of("log_line_prefix", "'%m [%p] %q%u@%d '", "log_statement", "'all'",
                "log_min_duration_statement", "-1", "log_timezone", "'UTC'", "lc_messages", "'C'"));
        pg.execute("CREATE TABLE dues AS SELECT g AS id FROM generate_series(1, 40) g");
        Incident i = incident("doblock", 100, s -> s.execute(
                "DO $$ BEGIN PERFORM 1; EXECUTE 'DROP TABLE ' || 'IF EXISTS nothing_here'; EXECUTE 'DROP TABLE dues'; END $$"));
        JsonNode found = find(i.stderr(), "--table", "dues");
        JsonNode first = found.get("candidates").get(0);
        assertThat(first.get("sql").asText()).startsWith("DO $$");
        assertThat(first.get("kind").asText()).isEqualTo("DROP_TABLE");
        assertThat(first.get("basis").asText()).contains("inside a DO block");
        assertKeepsBeforeAndExcludesMistake(i, found);
    }

    @Test
    void everyShippedPrefixIsDetectedWithoutTheFlag() throws Exception {
        settings(Map.of("log_statement", "'all'", "log_min_duration_statement", "-1", "log_timezone", "'UTC'",
                "lc_messages", "'C'"));
        int n = 0;
        for (String prefix : PrefixDetector.shipped()) {
            String table = "shipped_" + n++;
            pg.execute("CREATE TABLE " + table + " (id int)");
            settings(Map.of("log_line_prefix", "'" + prefix + "'"));
            Incident i = incident(table, prefix.contains("%t") ? 1100 : 20, s -> s.execute("DROP TABLE " + table));
            if (!prefix.matches(".*%[mtn].*")) { // no time in the line: found, but the log cannot bound it
                Cli.Run unbounded = cli.run("target", "find", "--log", i.stderr().toString(), "--table", table);
                assertThat(unbounded.exitCode()).as(unbounded.stderr()).isEqualTo(3);
                assertThat(unbounded.stderr()).contains("cannot bound").contains("--wal");
                continue;
            }
            JsonNode found = find(i.stderr(), "--table", table);
            assertThat(found.get("log_line_prefix").asText()).as(prefix).contains("'" + prefix + "'");
            assertThat(found.get("candidates").get(0).get("sql").asText()).isEqualTo("DROP TABLE " + table);
            assertKeepsBeforeAndExcludesMistake(i, found);
        }
        // a prefix pasted from postgresql.conf with its quotes, and one without its trailing space
        pg.execute("CREATE TABLE balances AS SELECT g AS id, 100 AS balance FROM generate_series(1, 20) g");
        Incident i = incident("pasted", 1100, s -> s.execute("UPDATE balances SET balance = 1"));
        List<String> shipped = PrefixDetector.shipped();
        String last = shipped.get(shipped.size() - 1);
        assertKeepsBeforeAndExcludesMistake(i, find(i.stderr(), "--table", "balances", "--log-line-prefix", "'" + last + "'"));
        assertKeepsBeforeAndExcludesMistake(i, find(i.stderr(), "--table", "balances", "--log-line-prefix", last.strip()));
        // a wrong prefix is refused with what the log looks like, never read as "nothing found"
        Cli.Run wrong = cli.run("target", "find", "--log", i.stderr().toString(), "--table", "balances",
                "--log-line-prefix", "%n | %p | ");
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.stderr()).contains("reads only 0 of").contains("--log-line-prefix '" + last + "'");
    }

    @Test
    void aLogWhosePrefixAReloadChangedIsReadOnBothSidesOfTheChange() throws Exception {
        settings(Map.of("log_statement", "'all'", "log_min_duration_statement", "-1", "log_timezone", "'UTC'",
                "lc_messages", "'C'", "log_line_prefix", "'%m [%p] %q%u@%d '"));
        pg.execute("CREATE TABLE before_reload (id int)", "CREATE TABLE after_reload (id int)");
        long from = Files.size(logDir.resolve("postgresql"));
        Incident first = incident("before-reload", 20, s -> s.execute("DROP TABLE before_reload"));
        settings(Map.of("log_line_prefix", "'%m|%p|%d|%u| '"));
        Incident second = incident("after-reload", 20, s -> s.execute("DROP TABLE after_reload"));
        byte[] all = Files.readAllBytes(logDir.resolve("postgresql"));
        Path both = Files.write(work.resolve("reloaded.log"), java.util.Arrays.copyOfRange(all, (int) from, all.length));
        assertThat(Files.readString(both)).contains("parameter \"log_line_prefix\" changed to");
        JsonNode old = find(both, "--table", "before_reload");
        assertThat(old.get("candidates").get(0).get("sql").asText()).isEqualTo("DROP TABLE before_reload");
        assertKeepsBeforeAndExcludesMistake(first, old);
        JsonNode fresh = find(both, "--table", "after_reload");
        assertThat(fresh.get("candidates").get(0).get("sql").asText()).isEqualTo("DROP TABLE after_reload");
        assertThat(fresh.get("candidates").get(0).get("database").asText()).isEqualTo("postgres");
        assertKeepsBeforeAndExcludesMistake(second, fresh);
        assertThat(fresh.get("log_line_prefix").asText()).contains("a reload changed it");
    }

    @Test
    void syslogJournaldAndContainerLogsOfARealServer() throws Exception {
        Assumptions.assumeTrue(SyslogReceiver.available(), "this machine runs its own syslog daemon on /dev/log");
        Path dir = Files.createDirectories(work.resolve("syslog"));
        Incident i;
        try (SyslogReceiver syslog = SyslogReceiver.start()) {
            settings(Map.of("log_destination", "'syslog,stderr,csvlog'", "log_line_prefix", "'%q%u@%d '",
                    "log_statement", "'all'", "log_min_duration_statement", "-1", "log_timezone", "'UTC'",
                    "lc_messages", "'C'", "syslog_ident", "'postgres'"));
            // syslog stamps whole seconds on receipt: 1 s of precision and 1 s of receipt margin
            pg.execute("CREATE TABLE shipments AS SELECT g AS id, 'x' AS item FROM generate_series(1, 50) g");
            i = incident("syslog", 2200, s -> s.execute("DELETE\nFROM shipments"));
            Thread.sleep(300);
            syslog.writeTraditional(dir.resolve("syslog"), "db1");
            syslog.writeShortIso(dir.resolve("journal-short-iso.log"), "db1");
            syslog.writeJournalJson(dir.resolve("journal.json"), "db1");
        } finally {
            settings(Map.of("log_destination", "'stderr,csvlog,jsonlog'"));
        }
        String traditional = Files.readString(dir.resolve("syslog"));
        assertThat(traditional).contains(" db1 postgres[").contains("]: [").contains("-2] #011FROM shipments");
        for (String f : List.of("syslog", "journal-short-iso.log", "journal.json")) {
            JsonNode found = find(dir.resolve(f), "--table", "shipments", "--log-timezone", "UTC");
            assertThat(found.get("candidates").get(0).get("sql").asText()).as(f).isEqualTo("DELETE\nFROM shipments");
            assertThat(found.get("recommendation").get("reason").asText()).contains("receiver");
            assertKeepsBeforeAndExcludesMistake(i, found);
        }
        // a traditional stamp has no zone and this prefix prints no time: without a zone pitr refuses, naming the flag
        Cli.Run zoneless = cli.run("target", "find", "--log", dir.resolve("syslog").toString(), "--table", "shipments");
        assertThat(zoneless.exitCode()).as(zoneless.stdout() + zoneless.stderr()).isEqualTo(2);
        assertThat(zoneless.stderr()).contains("has no zone").contains("--log-timezone")
                .doesNotContain("log_line_prefix without %m");
        // CloudNativePG and Docker wrap what the server wrote in JSON of their own
        Path cnpg = dir.resolve("cnpg.json");
        writeCloudNativePg(i.csv(), cnpg);
        JsonNode fromCnpg = find(cnpg, "--table", "shipments");
        assertThat(fromCnpg.get("candidates").get(0).get("sql").asText()).isEqualTo("DELETE\nFROM shipments");
        assertKeepsBeforeAndExcludesMistake(i, fromCnpg);
        settings(Map.of("log_line_prefix", "'%m [%p] '"));
        pg.execute("CREATE TABLE parcels AS SELECT g AS id, 'x' AS item FROM generate_series(1, 50) g");
        Incident container = incident("container", 20, s -> s.execute("UPDATE parcels SET item = NULL"));
        Path docker = dir.resolve("docker.json");
        writeDocker(container.stderr(), docker);
        JsonNode fromDocker = find(docker, "--table", "parcels");
        assertThat(fromDocker.get("candidates").get(0).get("sql").asText()).isEqualTo("UPDATE parcels SET item = NULL");
        assertKeepsBeforeAndExcludesMistake(container, fromDocker);
    }

    /** CloudNativePG's instance manager: csvlog records as JSON under "record", beside its own messages. */
    static void writeCloudNativePg(Path csv, Path out) throws Exception {
        String[] names = {"log_time", "user_name", "database_name", "process_id", "connection_from", "session_id",
                "session_line_num", "command_tag", "session_start_time", "virtual_transaction_id", "transaction_id",
                "error_severity", "sql_state_code", "message", "detail", "hint", "internal_query",
                "internal_query_pos", "context", "query", "query_pos", "location", "application_name", "backend_type",
                "leader_pid", "query_id"};
        var writer = Json.mapper().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        List<String> lines = new ArrayList<>();
        lines.add(writer.writeValueAsString(Map.of("level", "info", "ts", "2026-12-01T09:00:00.000000Z",
                "logger", "instance-manager", "msg", "Starting up instance")));
        StringBuilder pending = new StringBuilder();
        for (String line : Files.readAllLines(csv)) {
            pending.append(pending.length() == 0 ? "" : "\n").append(line);
            List<String> rec = CsvlogReader.split(pending);
            if (rec == null) {
                continue; // a quoted field goes on on the next line
            }
            pending.setLength(0);
            Map<String, String> record = new LinkedHashMap<>();
            for (int k = 0; k < names.length && k < rec.size(); k++) {
                record.put(names[k], rec.get(k));
            }
            lines.add(writer.writeValueAsString(Map.of("level", "info", "ts", "2026-12-01T09:00:00.000000Z",
                    "logger", "postgres", "msg", "record", "logging_pod", "cluster-1", "record", record)));
        }
        Files.write(out, lines);
    }

    /** Docker's json-file driver: each stderr line as {"log": ..., "stream": "stderr", "time": ...}. */
    static void writeDocker(Path stderr, Path out) throws Exception {
        var writer = Json.mapper().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(stderr)) {
            lines.add(writer.writeValueAsString(Map.of("log", l + "\n", "stream", "stderr",
                    "time", Instant.now().toString())));
        }
        Files.write(out, lines);
    }
}
