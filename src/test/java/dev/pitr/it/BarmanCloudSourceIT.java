package dev.pitr.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.S3Settings;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Barman's cloud tools (Debian's barman-cli-cloud) archive WAL and take a backup of a real PostgreSQL 15 into a
 * bucket of the local S3 server; only they write it. pitr reads it: Barman's backups and the archived WAL, and
 * the mistake from the WAL alone (segments fetched with barman-cloud-wal-restore); a write is refused and the
 * bucket is unchanged.
 */
class BarmanCloudSourceIT {
    static final String SERVER = "shop";
    static EmbeddedS3 s3;
    static String bucket;
    static PgCluster pg;
    static Path work;
    static Path logDir;
    static Cli cli;
    static long deleteXid;

    static Map<String, String> awsEnv() {
        return Map.of("AWS_ACCESS_KEY_ID", EmbeddedS3.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", EmbeddedS3.SECRET_KEY,
                "AWS_DEFAULT_REGION", "us-east-1");
    }

    static String location() {
        return "s3://" + bucket + "/pg";
    }

    @BeforeAll
    static void archiveAndBackUpWithBarman() throws Exception {
        s3 = EmbeddedS3.shared();
        bucket = s3.newBucket();
        work = TestDirs.shared("pitr-barman-");
        logDir = ArchiveIT.logDirectory(work);
        pg = PgCluster.start(Map.of("wal_level", "replica", "archive_mode", "on", "archive_command",
                "'barman-cloud-wal-archive --endpoint-url " + s3.endpoint() + " " + location() + " " + SERVER + " %p'",
                "logging_collector", "on", "log_directory", "'" + logDir + "'", "log_filename", "'postgresql.log'",
                "log_line_prefix", "'%m [%p] %q%u@%d '", "log_statement", "'mod'"), awsEnv());
        pg.execute("CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 1000) g", "CREATE DATABASE shop");
        pg.executeIn("shop", "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 300) g");
        pg.execute("SELECT pg_switch_wal()");
        ProcessRunner.Result backup = ProcessRunner.run(ProcessRunner.asServerUser(List.of("barman-cloud-backup",
                "--endpoint-url", s3.endpoint().toString(), "-h", pg.dir().toString(), "-p", String.valueOf(pg.port()),
                location(), SERVER)), awsEnv(), Duration.ofMinutes(5));
        assertThat(backup.exitCode()).as(backup.stderr()).isZero();
        pg.execute("INSERT INTO orders SELECT g FROM generate_series(1, 1000) g", "SELECT pg_switch_wal()");
        deleteXid = Long.parseLong(pg.query("WITH gone AS (DELETE FROM orders WHERE id <= 100 RETURNING 1)"
                + " SELECT txid_current()"));
        pg.execute("INSERT INTO orders SELECT g FROM generate_series(1, 10) g");
        String last = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
        ArchiveIT.waitUntilArchived(pg, last);
        cli = new Cli(Map.of("PITR_S3_ENDPOINT", s3.endpoint().toString(), "AWS_REGION", "us-east-1",
                "PITR_PGPORT", String.valueOf(pg.port())), work);
    }

    @AfterAll
    static void cleanUp() {
        if (pg != null) {
            pg.close();
        }
        TestDirs.delete(work);
    }

    /** Every object of the bucket with its size and time: what "pitr wrote nothing" is checked against. */
    static Map<String, String> objects() {
        try (Repository all = Repositories.open("s3://" + bucket, new S3Settings(Optional.of(s3.endpoint()),
                "us-east-1", true, 3))) {
            return all.list("").stream().collect(Collectors.toMap(ObjectInfo::key, o -> o.size() + "@" + o.lastModified()));
        }
    }

    @Test
    void pitrReadsBarmansArchiveFindsTheMistakeInItsWalAndNeverWritesIt() throws Exception {
        Map<String, String> before = objects();
        String url = "barman-cloud+s3://" + bucket + "/pg/" + SERVER;

        Cli.Run info = cli.run("--repo", url, "--json", "info");
        assertThat(info.exitCode()).as(info.stderr()).isZero();
        JsonNode catalog = Json.mapper().readTree(info.stdout()).get("catalog");
        assertThat(catalog.get("cluster").get("system_identifier").asText())
                .isEqualTo(pg.query("SELECT system_identifier::text FROM pg_control_system()"));
        assertThat(catalog.get("backups")).hasSize(1);
        assertThat(catalog.get("backups").get(0).get("id").asText()).matches("\\d{8}T\\d{6}");
        JsonNode runs = catalog.get("timelines").get(0).get("runs");
        assertThat(runs).as("barman-cloud-wal-archive stored every segment").hasSize(1);
        assertThat(runs.get(0).get("last").asText()).isEqualTo(pg.query("SELECT last_archived_wal FROM pg_stat_archiver"));

        Cli.Run find = cli.run("--repo", url, "--json", "target", "find", "--wal", "--table", "orders");
        assertThat(find.exitCode()).as(find.stdout() + find.stderr()).isZero();
        JsonNode found = Json.mapper().readTree(find.stdout());
        assertThat(found.get("recommendation").get("xid").asLong()).isEqualTo(deleteXid);
        assertThat(found.get("candidates").get(0).get("sql").asText()).contains("deleted 200 row(s)");

        for (String[] write : List.of(new String[]{"backup", "create"}, new String[]{"expire", "--keep-full", "1"})) {
            List<String> args = new ArrayList<>(List.of("--repo", url));
            args.addAll(List.of(write));
            Cli.Run refused = cli.run(args.toArray(String[]::new));
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.stderr()).contains("is Barman's repository").contains("barman-cloud-backup");
        }
        Cli.Run noServer = cli.run("--repo", "barman-cloud+s3://" + bucket + "/pg/nosuchserver", "info");
        assertThat(noServer.exitCode()).isZero();
        assertThat(noServer.stdout()).contains("(empty)").contains("no backup and no WAL there: is the name right");
        Cli.Run noBucket = cli.run("--repo", "barman-cloud+s3://pitr-no-such-bucket/pg/" + SERVER, "info");
        assertThat(noBucket.exitCode()).as(noBucket.stderr()).isEqualTo(5);
        assertThat(noBucket.stderrLines()).filteredOn(l -> l.contains("failed")).singleElement().asString()
                .startsWith("pitr: barman-cloud-backup-list for Barman's cloud archives failed (exit 1): ERROR: Bucket")
                .contains("pitr-no-such-bucket");
        assertThat(objects()).as("pitr wrote nothing into Barman's bucket").isEqualTo(before);
    }

    /**
     * The incident workflow over Barman's bucket: a DELETE without WHERE in an application database, found in the
     * server log, restored to just before its commit through barman-cloud-restore, and the rows merged back into
     * production beside a row written after the mistake; Barman's backups untouched.
     */
    @Test
    void aDeleteFoundInTheLogIsRestoredThroughBarmanAndMergedBack() throws Exception {
        String url = "barman-cloud+s3://" + bucket + "/pg/" + SERVER;
        pg.executeIn("shop", "INSERT INTO orders VALUES (301, 'order 301')");
        pg.executeIn("shop", "DELETE FROM orders");
        pg.executeIn("shop", "INSERT INTO orders VALUES (302, 'written after the mistake')");
        ArchiveIT.waitUntilArchived(pg, pg.query("SELECT pg_walfile_name(pg_switch_wal())"));
        Path log = logDir.resolve("postgresql.log");
        FailoverIT.waitUntil(() -> Files.readString(log).contains("DELETE FROM orders"), "the logging collector writes it");
        Map<String, String> backups = backupObjects();
        Path pgdata = work.resolve("copy-shop/data");
        try {
            Cli.Run run = cli.run("--repo", url, "restore", "run", "--target-from-log", "--log", log.toString(),
                    "--database", "shop", "--table", "orders", "--pgdata", pgdata.toString());
            assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
            int port = SeedScenarioIT.copyPort(pgdata);
            assertThat(PgCluster.query(port, "shop", "SELECT count(*) FROM orders")).as("every order before the DELETE")
                    .isEqualTo("301");
            Cli.Run merged = cli.run("--yes", "salvage", "--from-port", String.valueOf(port), "--database", "shop",
                    "--table", "orders", "--merge");
            assertThat(merged.exitCode()).as(merged.stdout() + merged.stderr()).isZero();
            assertThat(pg.queryIn("shop", "SELECT count(*) FROM orders")).isEqualTo("302");
            assertThat(pg.queryIn("shop", "SELECT note FROM orders WHERE id = 302")).as("written since: kept")
                    .isEqualTo("written after the mistake");
        } finally {
            cli.run("--repo", url, "restore", "abort", "--pgdata", pgdata.toString());
        }
        assertThat(backupObjects()).as("pitr wrote nothing into Barman's bucket").isEqualTo(backups);
    }

    /** The bucket's objects but the WAL, which the primary keeps archiving through Barman while a test runs. */
    static Map<String, String> backupObjects() {
        Map<String, String> all = new java.util.TreeMap<>(objects());
        all.keySet().removeIf(k -> k.contains("/wals/"));
        return all;
    }

    /**
     * The restore over Barman's bucket: barman-cloud-restore restores the backup pitr chose, the copy's
     * restore_command is barman-cloud-wal-restore after pitr's spool, and replay stops just before the DELETE.
     */
    @Test
    void aRestoreStopsJustBeforeTheDeleteThroughBarmansOwnRestoreAndWalRestore() throws Exception {
        Map<String, String> before = objects();
        String url = "barman-cloud+s3://" + bucket + "/pg/" + SERVER;
        Path pgdata = work.resolve("copy/data");
        try {
            int port = PgBackRestSourceIT.restoreJustBefore(cli, url, deleteXid, pgdata, "Barman");
            assertThat(SeedScenarioIT.queryOn(port, "SELECT count(*) FROM orders WHERE id <= 100"))
                    .as("every row the DELETE removed is in the copy").isEqualTo("200");
            assertThat(SeedScenarioIT.queryOn(port, "SELECT count(*) FROM orders")).isEqualTo("2000");
            assertThat(Files.readString(pgdata.resolve("postgresql.auto.conf")))
                    .contains("barman-cloud-wal-restore --endpoint-url " + s3.endpoint() + " " + location() + " "
                            + SERVER + " %f %p");
            PgBackRestSourceIT.restoreCommandFetches(cli, url, pgdata, awsEnv());
        } finally {
            cli.run("--repo", url, "restore", "abort", "--pgdata", pgdata.toString());
        }
        assertThat(objects()).as("pitr wrote nothing into Barman's bucket").isEqualTo(before);
    }
}
