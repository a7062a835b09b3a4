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

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Zero commits lost, whatever the mistake looked like: an application keeps committing into database shop while
 * a DROP sits in a transaction held open longer than any fixed look-ahead, a DELETE and an UPDATE without WHERE
 * run beside decoys (the same table name in another database, another table in the same second), and TRUNCATE
 * runs inside and outside a transaction, with and without %x in log_line_prefix. Ground truth comes from the
 * server itself (the transaction's xid from txid_current, xmin/xmax, pg_class; commit times from
 * track_commit_timestamp): each restored copy holds the table as it was and exactly the commits that preceded
 * the mistake's commit, and salvage works from it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExactStopIT {
    static final String PLAIN = "%m [%p] %q%u@%d ";
    static final String WITH_XID = "%m [%p] xid=%x %q%u@%d ";
    static PgCluster pg;
    static Path work;
    static Path logDir;
    static Cli cli;
    static Thread writer;
    static final AtomicBoolean writing = new AtomicBoolean(true);
    static final List<Path> restores = new ArrayList<>();

    /** What happened: the mistake's transaction, the table before it, and the log lines it left. */
    record Incident(String name, long xid, Instant committed, String tableBefore, Path log, String prefix) {
    }

    interface Mistake {
        /** Runs the mistake on {@code s} (database shop) and returns its xid when the session can know it. */
        Long run(Statement s) throws Exception;
    }

    @BeforeAll
    static void cluster() throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        work = TestDirs.shared("pitr-exact-");
        logDir = ArchiveIT.logDirectory(work);
        Map<String, String> conf = new HashMap<>(Map.of("wal_level", "replica", "archive_mode", "on",
                "archive_command", ArchiveIT.archiveCommandTo(s3, bucket), "track_commit_timestamp", "on",
                "autovacuum", "off", "logging_collector", "on", "log_directory", "'" + logDir + "'",
                "log_filename", "'postgresql'", "log_statement", "'mod'", "log_line_prefix", "'" + PLAIN + "'"));
        conf.put("lc_messages", "'C'");
        conf.put("log_timezone", "'UTC'");
        pg = PgCluster.start(conf, Map.of("TZ", "UTC"));
        Map<String, String> env = new HashMap<>(s3.env(bucket));
        env.put("PITR_PGPORT", String.valueOf(pg.port())); // the primary still runs: it names the tables' files
        cli = new Cli(env, work);
        pg.execute("CREATE DATABASE shop", "CREATE DATABASE shopdecoy");
        exec("shopdecoy", "CREATE TABLE orders AS SELECT g AS id, 'order ' || g AS note FROM generate_series(1, 1000) g");
        pg.execute("CREATE ROLE reporting");
        exec("shop", "CREATE EXTENSION pageinspect",
                "CREATE TABLE orders (id serial PRIMARY KEY, note text NOT NULL)",
                "INSERT INTO orders (note) SELECT 'order ' || g FROM generate_series(1, 1000) g",
                "CREATE INDEX orders_by_note ON orders (note)", "GRANT SELECT ON orders TO reporting",
                "CREATE TABLE accounts AS SELECT g AS id, g * 10 AS balance FROM generate_series(1, 500) g",
                "CREATE TABLE customers AS SELECT g AS id, 'customer ' || g AS name FROM generate_series(1, 300) g",
                "CREATE TABLE events AS SELECT g AS id FROM generate_series(1, 200) g",
                "CREATE TABLE archive_2025 AS SELECT g AS id, 'kept ' || g AS note FROM generate_series(1, 700) g",
                "CREATE TABLE other (id int)", "INSERT INTO other SELECT generate_series(1, 10)",
                "CREATE TABLE measurements (at date, v int) PARTITION BY RANGE (at)",
                "CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE measurements_2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "CREATE TABLE ledger (id bigserial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
        Cli.Run backup = cli.run("backup", "create");
        assertThat(backup.exitCode()).as(backup.stderr()).isZero();
        writer = new Thread(() -> { // the application: about 50 commits a second, all the time
            try (Connection c = connect("shop"); Statement s = c.createStatement()) {
                while (writing.get()) {
                    s.execute("INSERT INTO ledger DEFAULT VALUES");
                    Thread.sleep(20);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "application");
        writer.setDaemon(true);
        writer.start();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        writing.set(false);
        if (writer != null) {
            writer.join(5000);
        }
        for (Path p : restores) {
            cli.run("restore", "abort", "--pgdata", p.toString());
        }
        if (pg != null) {
            pg.close();
        }
        TestDirs.delete(work);
    }

    static Connection connect(String db) throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + db, "postgres", "");
    }

    static void exec(String db, String... sql) throws Exception {
        try (Connection c = connect(db); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    static String query(String db, String sql) throws Exception {
        try (Connection c = connect(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** A table's content as one comparable value. */
    static String fingerprint(int port, String table) throws Exception {
        return queryOn(port, "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '-') FROM "
                + table + " t");
    }

    static String queryOn(int port, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                + "/shop?options=-c%20statement_timeout%3D20000", "postgres", "");
             ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static void prefix(String prefix) throws Exception {
        pg.execute("ALTER SYSTEM SET log_line_prefix = '" + prefix + "'", "SELECT pg_reload_conf()");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!prefix.equals(pg.query("SHOW log_line_prefix")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(300);
    }

    /**
     * Runs the mistake with the application writing, and cuts the log it wrote into a file of its own. The xid
     * comes from the session, or from what the mistake left in the table ({@code xidAfter}).
     */
    static Incident incident(String name, String prefix, String table, Mistake mistake, String xidAfter) throws Exception {
        prefix(prefix);
        String before = fingerprint(pg.port(), "public." + table);
        long size = Files.size(logDir.resolve("postgresql"));
        Thread.sleep(300);
        Long xid;
        try (Connection c = connect("shop"); Statement s = c.createStatement()) {
            xid = mistake.run(s);
        }
        if (xid == null) {
            xid = Long.parseLong(query("shop", xidAfter));
        }
        Instant committed = Instant.parse(query("shop", "SELECT to_char(pg_xact_commit_timestamp('" + xid
                + "'::xid) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
        Thread.sleep(600); // the application commits on after the mistake; the collector writes asynchronously
        byte[] all = Files.readAllBytes(logDir.resolve("postgresql"));
        Path log = Files.write(work.resolve(name + ".log"), java.util.Arrays.copyOfRange(all, (int) size, all.length));
        return new Incident(name, xid, committed, before, log, prefix);
    }

    /** {@code sql} in a transaction held open for {@code millis} while the application commits on. */
    static Mistake heldOpen(String sql, long millis) {
        return s -> {
            s.execute("BEGIN");
            long xid;
            try (ResultSet rs = s.executeQuery("SELECT txid_current()")) {
                rs.next();
                xid = rs.getLong(1);
            }
            s.execute(sql);
            Thread.sleep(millis);
            s.execute("COMMIT");
            return xid;
        };
    }

    /** The application's commits that precede the mistake's commit, by the server's own commit times. */
    static Set<Long> committedBefore(Incident i) throws Exception {
        Set<Long> ids = new TreeSet<>();
        try (Connection c = connect("shop"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM ledger WHERE pg_xact_commit_timestamp(xmin) < (SELECT "
                     + "pg_xact_commit_timestamp('" + i.xid() + "'::xid))")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    static Set<Long> ledgerOn(int port) throws Exception {
        Set<Long> ids = new TreeSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/shop", "postgres", "");
             ResultSet rs = c.createStatement().executeQuery("SELECT id FROM ledger")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    static List<String> searchFlags(Incident i, String table) {
        return List.of("--log", i.log().toString(), "--log-line-prefix", i.prefix(), "--log-timezone", "UTC",
                "--table", table, "--database", "shop");
    }

    /** Restores with the defaults; the port of the copy. */
    static int restore(Incident i, String table, String... extra) throws Exception {
        String last = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
        ArchiveIT.waitUntilArchived(pg, last);
        Path pgdata = work.resolve(i.name() + "/data");
        restores.add(pgdata);
        List<String> args = new ArrayList<>(List.of("restore", "run", "--target-from-log", "--pgdata", pgdata.toString()));
        args.addAll(searchFlags(i, table));
        args.addAll(List.of(extra));
        Cli.Run run = cli.run(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.stderr() + run.stdout()).isZero();
        assertThat(run.stdout()).contains("READY");
        return Json.mapper().readTree(cli.run("--json", "restore", "status", "--pgdata", pgdata.toString()).stdout())
                .get("plan").get("port").asInt();
    }

    /** The copy holds the table as it was and exactly the commits before the mistake's: not one more, not one less. */
    static void assertExact(Incident i, int port, String table) throws Exception {
        assertThat(fingerprint(port, "public." + table)).as("the table as it was just before the mistake")
                .isEqualTo(i.tableBefore());
        Set<Long> expected = committedBefore(i);
        Set<Long> restored = ledgerOn(port);
        assertThat(expected).as("the application committed around the mistake").hasSizeGreaterThan(10);
        Set<Long> lost = new TreeSet<>(expected);
        lost.removeAll(restored);
        Set<Long> extra = new TreeSet<>(restored);
        extra.removeAll(expected);
        assertThat(lost).as("commits lost").isEmpty();
        assertThat(extra).as("commits made after the mistake's commit").isEmpty();
    }

    static JsonNode findWithWal(Incident i, String table, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--json", "target", "find", "--wal"));
        args.addAll(searchFlags(i, table));
        args.addAll(List.of(extra));
        String last = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
        ArchiveIT.waitUntilArchived(pg, last);
        Cli.Run run = cli.run(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        return Json.mapper().readTree(run.stdout()).get("recommendation");
    }

    @Test
    @Order(1)
    void aDropInATransactionHeldOpenLongerThanAnyLookAheadLosesNoCommit() throws Exception {
        // held open longer than the old locator looked past the statement (10 s)
        Incident i = incident("drop-held", PLAIN, "archive_2025", heldOpen("DROP TABLE archive_2025", 12_000), null);
        JsonNode rec = findWithWal(i, "archive_2025");
        assertThat(rec.get("kind").asText()).isEqualTo("xid");
        assertThat(rec.get("xid").asLong()).as("the WAL pins the DROP's own transaction").isEqualTo(i.xid());
        JsonNode pinned = rec.get("pinned");
        assertThat(pinned.get("holdsExclusiveLock").asBoolean()).isTrue();
        assertThat(pinned.get("commitsBetween").asInt()).as("what stopping before its first record would lose")
                .isGreaterThan(300);

        Path planned = work.resolve("drop-held-plan/data");
        List<String> plan = new ArrayList<>(List.of("restore", "plan", "--target-from-log", "--pgdata", planned.toString()));
        plan.addAll(searchFlags(i, "archive_2025"));
        Cli.Run shown = cli.run(plan.toArray(String[]::new));
        assertThat(shown.exitCode()).as(shown.stderr()).isZero();
        assertThat(shown.stdout()).contains("suspect     transaction " + i.xid())
                .contains("stop before its commit: no other commit lost")
                .contains("stop before its first record: loses " + pinned.get("commitsBetween").asInt() + " other commit(s)")
                .contains("the copy ends recovery there");
        assertThat(planned).as("plan writes nothing").doesNotExist();

        int port = restore(i, "archive_2025");
        assertExact(i, port, "archive_2025");
        assertThat(queryOn(port, "SELECT pg_is_in_recovery()::text")).as("recovery ended: the lock is gone").isEqualTo("false");
        JsonNode journal = Json.mapper().readTree(cli.run("--json", "restore", "status", "--pgdata",
                work.resolve("drop-held/data").toString()).stdout());
        assertThat(journal.get("recovered").get("pause_state").asText()).contains("recovery ended")
                .contains("AccessExclusiveLock").contains("archive_2025");

        // salvage from the copy that ended recovery: the dropped table comes back under its own name
        Cli.Run salvage = cli.run("--yes", "salvage", "--from-port", String.valueOf(port), "--database", "shop",
                "--table", "public.archive_2025", "--original-name");
        assertThat(salvage.exitCode()).as(salvage.stderr()).isZero();
        assertThat(fingerprint(pg.port(), "public.archive_2025")).isEqualTo(i.tableBefore());
    }

    @Test
    @Order(2)
    void aDeleteWithoutWhereIsPinnedByTheTablesFileNotByTheDecoys() throws Exception {
        Incident i = incident("delete", PLAIN, "orders", s -> {
            exec("shopdecoy", "DELETE FROM orders"); // the same name, another database
            s.execute("DELETE FROM other");           // another table, the same second
            s.execute("DELETE FROM orders");
            return null;
        }, "SELECT max(t_xmax::text::bigint) FROM heap_page_items(get_raw_page('orders', 0)) WHERE t_xmax::text <> '0'");
        JsonNode rec = findWithWal(i, "orders");
        assertThat(rec.get("xid").asLong()).as(rec.toString()).isEqualTo(i.xid());
        assertThat(rec.get("reason").asText()).contains("DELETE records on the table's file").contains("pg_relation_filenode");
        assertThat(rec.get("pinned").get("holdsExclusiveLock").asBoolean()).isFalse();
        // a partitioned table's rows live in its partitions' files: every leaf is followed
        assertThat(dev.pitr.wal.LiveRelations.of(new dev.pitr.pg.PgConnection("127.0.0.1", pg.port(), "postgres",
                "postgres"), "shop", java.util.Optional.empty(), "measurements").files()).hasSize(2);

        int port = restore(i, "orders", "--check", "SELECT count(*) = 1000 FROM orders");
        assertExact(i, port, "orders");
        // checks run in the application's database; a wrong one does not trap the copy
        String pgdata = work.resolve("delete/data").toString();
        Cli.Run wrong = cli.run("restore", "verify", "--pgdata", pgdata, "--check", "SELECT count(*) = 999 FROM orders");
        assertThat(wrong.exitCode()).as(wrong.stderr() + wrong.stdout()).isEqualTo(3);
        assertThat(wrong.stdout()).contains("replayed to its target and is usable").contains("-d shop");
        assertThat(cli.run("restore", "status", "--pgdata", pgdata).exitCode()).isEqualTo(3);
        Cli.Run fixed = cli.run("restore", "verify", "--pgdata", pgdata, "--check", "SELECT count(*) = 1000 FROM orders");
        assertThat(fixed.exitCode()).as(fixed.stderr() + fixed.stdout()).isZero();
        assertThat(fixed.stdout()).contains("READY: paused at").contains("-d shop")
                .contains("pitr salvage --from-port " + port + " --database shop --table orders --as orders_restored");
        assertThat(queryOn(port, "SELECT pg_get_wal_replay_pause_state()")).as("no lock: the copy stays paused").isEqualTo("paused");
        Cli.Run salvage = cli.run("--yes", "salvage", "--from-port", String.valueOf(port), "--database", "shop",
                "--table", "public.orders", "--as", "orders_before_delete");
        assertThat(salvage.exitCode()).as(salvage.stderr()).isZero();
        assertThat(fingerprint(pg.port(), "public.orders_before_delete")).isEqualTo(i.tableBefore());
        // with everything that belongs to it, under names of its own: the serial's sequence, indexes, GRANTs
        assertThat(query("shop", "SELECT pg_get_serial_sequence('orders_before_delete', 'id')"))
                .isEqualTo("public.orders_before_delete_id_seq");
        assertThat(query("shop", "SELECT nextval('orders_before_delete_id_seq')")).isEqualTo("1001");
        assertThat(query("shop", "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename"
                + " = 'orders_before_delete'")).isEqualTo("orders_before_delete_by_note,orders_before_delete_pkey");
        assertThat(query("shop", "SELECT has_table_privilege('reporting', 'orders_before_delete', 'SELECT')")).isEqualTo("t");
        assertThat(query("shop", "SELECT count(*) FROM orders")).as("the live table is untouched").isEqualTo("0");
    }

    @Test
    @Order(3)
    void anUpdateWithoutWhereIsPinnedByTheXidTheLogNames() throws Exception {
        Incident i = incident("update", WITH_XID, "accounts", s -> {
            s.execute("UPDATE accounts SET balance = 0");
            return null;
        }, "SELECT DISTINCT xmin::text FROM accounts");
        int port = restore(i, "accounts");
        assertExact(i, port, "accounts");
    }

    @Test
    @Order(4)
    void aTruncateInATransactionIsTheOneThatMadeTheTablesCurrentFile() throws Exception {
        Incident i = incident("truncate-txn", PLAIN, "customers", heldOpen("TRUNCATE customers", 2000), null);
        JsonNode rec = findWithWal(i, "customers");
        assertThat(rec.get("xid").asLong()).as(rec.toString()).isEqualTo(i.xid());
        assertThat(rec.get("reason").asText()).contains("made the table's current file");
        int port = restore(i, "customers");
        assertExact(i, port, "customers");
        assertThat(queryOn(port, "SELECT pg_is_in_recovery()::text")).isEqualTo("false");
    }

    @Test
    @Order(5)
    void anAutocommitTruncateWithTheXidInTheLog() throws Exception {
        Incident i = incident("truncate", WITH_XID, "events", s -> {
            s.execute("TRUNCATE events");
            return null;
        }, "SELECT xmin::text FROM pg_class WHERE oid = 'public.events'::regclass");
        int port = restore(i, "events");
        assertExact(i, port, "events");
    }

    @Test
    @Order(6)
    void aTimeTargetAfterTheLastArchivedCommitReachesReadyAtTheEndOfTheArchive() throws Exception {
        writing.set(false);
        writer.join(5000);
        exec("shop", "INSERT INTO ledger DEFAULT VALUES"); // the last commit; the target lies after it
        Thread.sleep(1500);
        Instant target = Instant.now();
        Thread.sleep(1500);
        String last = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
        ArchiveIT.waitUntilArchived(pg, last);
        Path pgdata = work.resolve("idle/data");
        restores.add(pgdata);
        Cli.Run run = cli.run("restore", "run", "--target-time", target.toString(), "--pgdata", pgdata.toString());
        assertThat(run.exitCode()).as(run.stderr() + run.stdout()).isZero();
        assertThat(run.stdout()).contains("READY: recovery ended at").contains("every archived commit precedes the target");
        int port = Json.mapper().readTree(cli.run("--json", "restore", "status", "--pgdata", pgdata.toString()).stdout())
                .get("plan").get("port").asInt();
        assertThat(queryOn(port, "SELECT count(*) FROM ledger")).as("every commit before the target")
                .isEqualTo(query("shop", "SELECT count(*) FROM ledger"));
    }
}
