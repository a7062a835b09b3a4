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
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mistakes the server log does not show, found in the archived WAL alone and restored to just before their
 * commit: a DELETE under {@code log_statement = ddl} (the log is read and shows nothing on the table), a DROP under
 * Debian's default {@code none} (no log at all; the dropped table's files come from the backup's catalog), and a
 * DROP inside a function called by a logged {@code SELECT}. Ground truth: the mistake's own xid, and every commit
 * before it (counted in an audit table) present on the copy, none after.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalAloneIT {
    static Path work;
    static Path logDir;
    static PgCluster pg;
    static Cli cli;
    static final List<Path> copies = new ArrayList<>();

    @BeforeAll
    static void backedUpCluster() throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        work = TestDirs.shared("pitr-walalone-");
        logDir = ArchiveIT.logDirectory(work);
        pg = PgCluster.start(Map.of("wal_level", "replica", "archive_mode", "on",
                "archive_command", ArchiveIT.archiveCommandTo(s3, bucket), "track_commit_timestamp", "on",
                "logging_collector", "on", "log_directory", "'" + logDir + "'", "log_filename", "'postgresql.log'",
                "log_line_prefix", "'%m [%p] %q%u@%d '", "log_statement", "'ddl'"), Map.of());
        Map<String, String> env = new HashMap<>(s3.env(bucket));
        env.put("PITR_PGPORT", String.valueOf(pg.port()));
        cli = new Cli(env, work);
        pg.execute("CREATE TABLE audit (note text)",
                "CREATE TABLE carts AS SELECT g AS id FROM generate_series(1, 300) g",
                "CREATE TABLE ledger AS SELECT g AS id FROM generate_series(1, 200) g",
                "CREATE TABLE journal AS SELECT g AS id FROM generate_series(1, 100) g",
                "CREATE FUNCTION purge_journal() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE journal; END $$");
        Cli.Run backup = cli.run("backup", "create");
        assertThat(backup.exitCode()).as(backup.stderr()).isZero();
    }

    @AfterAll
    static void cleanUp() {
        for (Path copy : copies) {
            cli.run("restore", "abort", "--pgdata", copy.toString());
        }
        if (pg != null) {
            pg.close();
        }
        TestDirs.delete(work);
    }

    @Test
    @Order(1)
    void aDeleteThatLogStatementDdlDoesNotLogIsPinnedFromTheWalAndRestored() throws Exception {
        long xid = mistake("carts", "DELETE FROM carts");
        Path log = logDir.resolve("postgresql.log");
        assertThat(Files.readString(log)).as("ddl logs no DELETE").doesNotContain("DELETE FROM carts");
        JsonNode found = pinnedAndRestored("carts", xid, "300", "--log", log.toString(), "--table", "carts");
        assertThat(found.get("candidates").get(0).get("sql").asText()).contains("deleted 300 row(s)");
        assertThat(found.get("warnings").toString()).contains("show no statement on carts").contains("WAL segment(s)");
    }

    @Test
    @Order(2)
    void aDropUnderLogStatementNoneIsPinnedThroughTheBackupsCatalog() throws Exception {
        pg.execute("ALTER SYSTEM SET log_statement = 'none'", "SELECT pg_reload_conf()");
        long xid = mistake("ledger", "DROP TABLE ledger");
        Cli.Run plain = cli.run("target", "find", "--wal", "--table", "ledger");
        assertThat(plain.exitCode()).as(plain.stdout() + plain.stderr()).isZero();
        assertThat(plain.stdout()).contains("no log was read").contains("the WAL alone: read")
                .contains("removed the table's file(s)").contains("backup");
        pinnedAndRestored("ledger", xid, "200", "--table", "ledger");
    }

    @Test
    @Order(3)
    void aDropInsideAFunctionCalledByALoggedSelectIsPinnedFromTheWal() throws Exception {
        pg.execute("ALTER SYSTEM SET log_statement = 'all'", "SELECT pg_reload_conf()");
        long xid = mistake("journal", "SELECT purge_journal()");
        Path log = logDir.resolve("postgresql.log");
        FailoverIT.waitUntil(() -> Files.readString(log).contains("SELECT purge_journal()"),
                "the logging collector writes the call");
        pinnedAndRestored("journal", xid, "100", "--log", log.toString(), "--table", "journal");
    }

    /**
     * {@code target find} pins the mistake's own xid, and {@code restore run --target-from-log} with the same flags
     * gives the table back with every commit before the mistake and none after; returns what find said.
     */
    private static JsonNode pinnedAndRestored(String table, long xid, String rows, String... flags) throws Exception {
        JsonNode found = find(flags);
        assertThat(found.get("recommendation").get("xid").asLong()).isEqualTo(xid);
        int port = restore(table, flags);
        assertRestored(port, table, rows, table);
        return found;
    }

    /** An audit row before, the mistake in its own transaction (its xid returned), an audit row after; archived. */
    private static long mistake(String name, String sql) throws Exception {
        long xid;
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO audit VALUES ('before " + name + "')");
            c.setAutoCommit(false);
            s.execute(sql);
            try (ResultSet rs = s.executeQuery("SELECT txid_current()")) {
                rs.next();
                xid = rs.getLong(1);
            }
            c.commit();
            c.setAutoCommit(true);
            s.execute("INSERT INTO audit VALUES ('after " + name + "')");
        }
        ArchiveIT.waitUntilArchived(pg, pg.query("SELECT pg_walfile_name(pg_switch_wal())"));
        return xid;
    }

    private static JsonNode find(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--json", "target", "find", "--wal"));
        args.addAll(List.of(flags));
        Cli.Run run = cli.run(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
        return Json.mapper().readTree(run.stdout());
    }

    private static int restore(String name, String... flags) throws Exception {
        Path pgdata = work.resolve(name + "/data");
        copies.add(pgdata);
        List<String> args = new ArrayList<>(List.of("restore", "run", "--target-from-log", "--pgdata", pgdata.toString()));
        args.addAll(List.of(flags));
        Cli.Run run = cli.run(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
        return Json.mapper().readTree(cli.run("--json", "restore", "status", "--pgdata", pgdata.toString()).stdout())
                .get("plan").get("port").asInt();
    }

    /** The table as it was, every audit row committed before the mistake and none after it. */
    private static void assertRestored(int port, String table, String rows, String name) throws Exception {
        assertThat(RealLogsIT.queryOn(port, "SELECT count(*) FROM " + table)).isEqualTo(rows);
        String before = pg.query("SELECT count(*) FROM audit WHERE note NOT LIKE 'after " + name + "'");
        assertThat(RealLogsIT.queryOn(port, "SELECT count(*) FROM audit")).as("0 commits lost, 0 extra").isEqualTo(before);
        assertThat(RealLogsIT.queryOn(port, "SELECT count(*) FROM audit WHERE note = 'after " + name + "'")).isEqualTo("0");
    }
}
