package dev.pitr.it;

import dev.pitr.testkit.Application;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The four incidents of an on-call night, each followed through runbooks/accidental-drop.md command by
 * command, in the application's database (shop, not postgres), with Debian's log_line_prefix and an
 * application writing all the time: an autocommit DROP, DELETE FROM orders, TRUNCATE customers and UPDATE
 * accounts SET balance = 0. After each, the table holds exactly the rows it had just before the mistake, and
 * the rows the application wrote after it are still there, unchanged.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IncidentsIT {
    static final Path RUNBOOK = Path.of("runbooks/accidental-drop.md");
    static PgCluster pg;
    static Path work;
    static Cli cli;
    static Application application;
    static final List<Path> restores = new ArrayList<>();

    @BeforeAll
    static void cluster() throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        work = TestDirs.shared("pitr-incidents-");
        Path logDir = ArchiveIT.logDirectory(work);
        pg = PgCluster.start(Map.of("wal_level", "replica", "archive_mode", "on", "archive_timeout", "60",
                "archive_command", ArchiveIT.archiveCommandTo(s3, bucket), "logging_collector", "on",
                "log_directory", "'" + logDir + "'", "log_statement", "'mod'",
                "log_line_prefix", "'%m [%p] %q%u@%d '", "lc_messages", "'C'"), Map.of());
        Map<String, String> env = new HashMap<>(s3.env(bucket));
        env.put("PITR_PGPORT", String.valueOf(pg.port()));
        env.put("PITR_LOG_DIRECTORY", logDir.toString());
        cli = new Cli(env, work);
        pg.execute("CREATE DATABASE shop", "CREATE ROLE reporting");
        pg.executeIn("shop",
                "CREATE TABLE invoices (id serial PRIMARY KEY, amount int NOT NULL)",
                "INSERT INTO invoices (amount) SELECT g * 7 FROM generate_series(1, 300) g",
                "GRANT SELECT ON invoices TO reporting",
                "CREATE VIEW big_invoices AS SELECT id, amount FROM invoices WHERE amount > 1000",
                "CREATE TABLE payments (id int PRIMARY KEY, invoice_id int REFERENCES invoices)",
                "INSERT INTO payments SELECT g, g FROM generate_series(1, 50) g",
                "CREATE TABLE orders (id serial PRIMARY KEY, note text NOT NULL)",
                "INSERT INTO orders (note) SELECT 'order ' || g FROM generate_series(1, 1000) g",
                "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL)",
                "INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 250) g",
                "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)",
                "INSERT INTO accounts SELECT g, g * 100 FROM generate_series(1, 400) g",
                "CREATE TABLE ledger (id bigserial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
        // compressed by pitr in parts of 1 MiB: every incident is restored from many objects extracted side by side
        Cli.Run backup = cli.run("--json", "backup", "create", "--compress-at", "client", "--part-size", "1");
        assertThat(backup.exitCode()).as(backup.stderr()).isZero();
        assertThat(backup.stdout().split("\"key\"").length - 1).as("stored objects").isGreaterThan(5);
        application = Application.start(pg, "shop", 25, "INSERT INTO ledger DEFAULT VALUES",
                "INSERT INTO orders (note) VALUES ('new order')"); // new orders and ledger lines, all the time
    }

    @AfterAll
    static void cleanUp() throws Exception {
        Teardown.all(application, cli, restores, pg, work);
    }

    /** Follows the runbook for one incident: its common steps and the salvage block for {@code tag}. */
    static void followRunbook(String name, String table, String tag) throws Exception {
        ArchiveIT.waitUntilArchived(pg, pg.query("SELECT pg_walfile_name(pg_switch_wal())"));
        Path restore = work.resolve(name).resolve("data");
        restores.add(restore);
        Map<String, String> vars = Map.of("DB", "shop", "TABLE", table, "RESTORE", restore.toString(),
                "RESTORE_PORT", String.valueOf(PgCluster.freePort()));
        List<Cli.Run> runs = Runbooks.run(RUNBOOK, Set.of(tag), vars, cli);
        assertThat(runs).hasSizeGreaterThanOrEqualTo(11);
        assertThat(String.join("\n", runs.stream().map(Cli.Run::stdout).toList()))
                .contains("READY").contains("-d shop").contains("pitr salvage --from-port");
    }

    static String fingerprint(String table) {
        return PgCluster.fingerprint(pg.port(), "shop", table);
    }

    @Test
    @Order(1)
    void anAutocommitDropComesBackUnderItsOwnNameWithItsGrants() throws Exception {
        String before = fingerprint("public.invoices");
        pg.executeIn("shop", "DROP TABLE invoices CASCADE"); // the view and the payments' foreign key go with it
        followRunbook("drop", "public.invoices", "drop");
        assertThat(fingerprint("public.invoices")).isEqualTo(before);
        assertThat(pg.queryIn("shop", "SELECT has_table_privilege('reporting', 'invoices', 'SELECT')")).isEqualTo("t");
        assertThat(pg.queryIn("shop", "SELECT nextval('invoices_id_seq')")).isEqualTo("301");
        assertThat(pg.queryIn("shop", "SELECT count(*) FROM big_invoices")).as("the view is back")
                .isEqualTo(pg.queryIn("shop", "SELECT count(*) FROM invoices WHERE amount > 1000"));
        assertThat(pg.queryIn("shop", "SELECT count(*) FROM pg_constraint WHERE conrelid = 'payments'::regclass"
                + " AND contype = 'f'")).as("the foreign key is back").isEqualTo("1");
    }

    @Test
    @Order(2)
    void aDeleteWithoutWhereIsMergedBackAndTheOrdersTakenSinceStay() throws Exception {
        long lastBefore = Long.parseLong(pg.queryIn("shop", "SELECT max(id) FROM orders"));
        String before = fingerprint("(SELECT * FROM orders WHERE id <= " + lastBefore + ")");
        pg.executeIn("shop", "DELETE FROM orders");
        Thread.sleep(500);
        String since = pg.queryIn("shop", "SELECT count(*) || ':' || max(id) FROM orders");
        long firstSince = Long.parseLong(pg.queryIn("shop", "SELECT min(id) FROM orders"));
        String taken = fingerprint("(SELECT * FROM orders WHERE id >= " + firstSince + " AND id <= "
                + since.split(":")[1] + ")");
        followRunbook("delete", "public.orders", "rows");
        assertThat(fingerprint("(SELECT * FROM orders WHERE id <= " + lastBefore + ")")).isEqualTo(before);
        assertThat(fingerprint("(SELECT * FROM orders WHERE id >= " + firstSince + " AND id <= " + since.split(":")[1]
                + ")")).as("orders taken after the DELETE are untouched").isEqualTo(taken);
    }

    /**
     * A mistake on {@code table}, then a row the application adds under {@code newKey}; after the runbook's
     * {@code tag} block the rows below {@code newKey} are as before and the new one is as it was written.
     */
    static void mergedBack(String name, String table, String mistake, int newKey, String newRow, String tag)
            throws Exception {
        String before = fingerprint("public." + table);
        pg.executeIn("shop", mistake);
        pg.executeIn("shop", "INSERT INTO " + table + " VALUES (" + newKey + ", " + newRow + ")");
        String added = fingerprint("(SELECT * FROM " + table + " WHERE id = " + newKey + ")");
        followRunbook(name, "public." + table, tag);
        assertThat(fingerprint("(SELECT * FROM " + table + " WHERE id < " + newKey + ")")).isEqualTo(before);
        assertThat(fingerprint("(SELECT * FROM " + table + " WHERE id = " + newKey + ")")).as("written since: untouched")
                .isEqualTo(added);
    }

    @Test
    @Order(3)
    void aTruncateIsMergedBack() throws Exception {
        mergedBack("truncate", "customers", "TRUNCATE customers", 1000, "'signed up after the incident'", "rows");
    }

    @Test
    @Order(4)
    void anUpdateWithoutWhereIsOverwrittenBackAndAccountsOpenedSinceStay() throws Exception {
        mergedBack("update", "accounts", "UPDATE accounts SET balance = 0", 5000, "42", "update");
        assertThat(cli.run("audit").stdout()).contains("salvage").contains("updated");
    }
}
