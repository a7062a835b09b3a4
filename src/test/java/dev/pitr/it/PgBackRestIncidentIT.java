package dev.pitr.it;

import dev.pitr.core.Hashing;
import dev.pitr.core.Json;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.testkit.Application;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed incident on a cluster that pgBackRest archives and backs up, once into a posix repository and once into
 * an S3 repository on the local S3 server (over TLS: pgBackRest speaks S3 only over https): an application commits
 * all the time while a session drops a table inside a transaction it holds open. pitr finds the DROP in the
 * server log, pins its transaction in the WAL it reads through pgBackRest, has pgBackRest restore the backup it
 * chose and replay stop just before that commit: the copy holds exactly the application's commits that preceded
 * it (by the server's commit timestamps), the table is salvaged back into production, a drill reports success,
 * and pgBackRest's repository holds nothing pitr wrote (every object as it was; new ones only the WAL the
 * primary archived itself).
 */
class PgBackRestIncidentIT {
    static final String STANZA = "shop";
    static final String PREFIX = "%m [%p] %q%u@%d ";

    @ParameterizedTest(name = "pgBackRest {0} repository")
    @ValueSource(strings = {"posix", "s3"})
    void theSeedIncidentIsUndoneOverPgBackRestsRepository(String type) throws Exception {
        Path work = TestDirs.shared("pitr-pgbr-incident-");
        Path lock = TestDirs.serverOwned("pitr-pgbr-lock-");
        Path posix = TestDirs.serverOwned("pitr-pgbr-repo-");
        Path config = work.resolve("pgbackrest.conf");
        PgCluster pg = PgCluster.create(Map.of("wal_level", "replica", "archive_mode", "on", "track_commit_timestamp", "on",
                "log_statement", "'ddl'", "log_line_prefix", "'" + PREFIX + "'", "log_timezone", "'UTC'",
                "lc_messages", "'C'"), Map.of("TZ", "UTC"));
        List<String> lines = new ArrayList<>(List.of("[global]", "compress-type=zst", "start-fast=y",
                "log-level-console=warn", "log-level-file=off", "lock-path=" + lock, "process-max=2"));
        Path store;
        if (type.equals("s3")) {
            EmbeddedS3 s3 = EmbeddedS3.sharedTls();
            String bucket = s3.newBucket();
            store = s3.bucketDirectory(bucket);
            lines.addAll(List.of("repo1-type=s3", "repo1-path=/pgbackrest", "repo1-s3-endpoint=127.0.0.1",
                    "repo1-storage-port=" + s3.port(), "repo1-s3-bucket=" + bucket, "repo1-s3-region=us-east-1",
                    "repo1-s3-key=" + EmbeddedS3.ACCESS_KEY, "repo1-s3-key-secret=" + EmbeddedS3.SECRET_KEY,
                    "repo1-s3-uri-style=path", "repo1-storage-verify-tls=n"));
        } else {
            store = posix;
            lines.add("repo1-path=" + posix);
        }
        lines.addAll(List.of("[" + STANZA + "]", "pg1-path=" + pg.dataDir(), "pg1-port=" + pg.port(),
                "pg1-socket-path=" + pg.dir(), ""));
        Files.writeString(config, String.join("\n", lines));
        Path copy = work.resolve("copy/data");
        Cli cli = new Cli(Map.of("PITR_PGBACKREST_CONFIG", config.toString(), "PITR_PGPORT", String.valueOf(pg.port())), work);
        String repo = "pgbackrest://" + STANZA;
        Application application = null;
        try {
            pg.appendConf(Map.of("archive_command", "'pgbackrest --config=" + config + " --stanza=" + STANZA
                    + " archive-push %p'"));
            pg.start();
            pgbackrest(config, "stanza-create");
            pg.execute("CREATE TABLE temp_migration_backup AS SELECT g AS id, 'user ' || g AS name FROM generate_series(1, 5000) g",
                    "CREATE TABLE ledger (id bigserial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
            pgbackrest(config, "backup", "--type=full");
            String tableBefore = PgCluster.fingerprint(pg.port(), "postgres", "public.temp_migration_backup");
            application = Application.start(pg, "postgres", 20, "INSERT INTO ledger DEFAULT VALUES");
            // pgBackRest records a backup's end to the second: the mistake comes after it, however fast the machine
            Thread.sleep(2000);
            long xid = dropHeldOpen(pg, "DROP TABLE temp_migration_backup", 3000);
            Thread.sleep(1000); // the application commits on after the mistake
            ArchiveIT.waitUntilArchived(pg, pg.query("SELECT pg_walfile_name(pg_switch_wal())"));
            Map<String, String> before = files(store);
            assertThat(before.keySet()).as("pgBackRest's backup and archive are in " + store)
                    .anyMatch(k -> k.endsWith("backup/" + STANZA + "/backup.info"))
                    .anyMatch(k -> k.endsWith("archive/" + STANZA + "/archive.info"))
                    .anyMatch(k -> k.endsWith(".zst") && k.contains("/15-1/"));

            Cli.Run run = cli.run("--repo", repo, "restore", "run", "--target-from-log", "--log", pg.serverLog().toString(),
                    "--log-line-prefix", PREFIX, "--log-timezone", "UTC", "--table", "temp_migration_backup",
                    "--database", "postgres", "--pgdata", copy.toString());
            assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
            assertThat(run.stderr()).contains("FETCH_BACKUP: pgBackRest restores backup");
            assertThat(run.stdout()).contains("READY");
            int port = SeedScenarioIT.copyPort(copy);
            assertThat(PgCluster.fingerprint(port, "postgres", "public.temp_migration_backup"))
                    .as("the table as it was just before the DROP").isEqualTo(tableBefore);
            ExactStopIT.assertSameCommits(ids(pg.port(), "SELECT id FROM ledger WHERE pg_xact_commit_timestamp(xmin)"
                    + " < pg_xact_commit_timestamp('" + xid + "'::xid)"), ids(port, "SELECT id FROM ledger"));

            Cli.Run salvage = cli.run("--yes", "salvage", "--from-port", String.valueOf(port), "--database", "postgres",
                    "--table", "public.temp_migration_backup", "--original-name");
            assertThat(salvage.exitCode()).as(salvage.stdout() + salvage.stderr()).isZero();
            assertThat(PgCluster.fingerprint(pg.port(), "postgres", "public.temp_migration_backup"))
                    .as("the table is back in production").isEqualTo(tableBefore);
            assertThat(cli.run("--repo", repo, "restore", "abort", "--pgdata", copy.toString()).exitCode()).isZero();

            Path report = work.resolve("drill.json");
            Cli.Run drill = cli.run("--repo", repo, "drill", "--target", "random", "--scratch", work.resolve("scratch").toString(),
                    "--check", "SELECT count(*) >= 1 FROM ledger", "--report-json", report.toString());
            assertThat(drill.exitCode()).as(drill.stdout() + drill.stderr()).isZero();
            assertThat(Json.mapper().readTree(report.toFile()).get("success").asBoolean()).isTrue();

            Map<String, String> after = files(store);
            for (Map.Entry<String, String> e : before.entrySet()) {
                assertThat(after.get(e.getKey())).as("pitr changed nothing in pgBackRest's repository: " + e.getKey())
                        .isEqualTo(e.getValue());
            }
            assertThat(after.keySet().stream().filter(k -> !before.containsKey(k)))
                    .as("new objects are only the WAL the primary archived itself")
                    .allMatch(k -> k.matches("(pgbackrest/)?archive/" + STANZA + "/15-1/[0-9A-F]{16}/[0-9A-F]{24}-[0-9a-f]{40}\\.zst"));
        } finally {
            if (application != null) {
                application.close();
            }
            cli.run("--repo", repo, "restore", "abort", "--pgdata", copy.toString());
            pg.close();
            TestDirs.delete(work);
            TestDirs.delete(posix);
            TestDirs.delete(lock);
        }
    }

    /** {@code sql} in a transaction held open for {@code millis} while the application commits on; its xid. */
    static long dropHeldOpen(PgCluster pg, String sql, long millis) throws Exception {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            return ExactStopIT.heldOpen(sql, millis).run(s);
        }
    }

    static Set<Long> ids(int port, String sql) throws Exception {
        Set<Long> ids = new TreeSet<>();
        for (String id : PgCluster.queryColumn(port, "postgres", sql)) {
            ids.add(Long.parseLong(id));
        }
        return ids;
    }

    static String pgbackrest(Path config, String... args) {
        List<String> command = new ArrayList<>(List.of("pgbackrest", "--config=" + config, "--stanza=" + STANZA));
        command.addAll(List.of(args));
        ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.asServerUser(command), Map.of(), Duration.ofMinutes(5));
        assertThat(r.exitCode()).as(String.join(" ", args) + ": " + r.stderr() + r.stdout()).isZero();
        return r.stdout();
    }

    /** Every file under {@code root} with its digest. */
    static Map<String, String> files(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                byte[] bytes = Files.readAllBytes(p);
                files.put(root.relativize(p).toString(), Hashing.hex(Hashing.sha256(bytes, 0, bytes.length)));
            }
        }
        return files;
    }
}
