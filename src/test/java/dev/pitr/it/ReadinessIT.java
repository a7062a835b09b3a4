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
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** 'pitr check' on a cluster with Debian's logging defaults names what would fail an incident, and how to fix it. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadinessIT {
    static PgCluster pg;
    static Path work;
    static Cli cli;

    @BeforeAll
    static void cluster() throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        work = TestDirs.shared("pitr-ready-");
        // Debian's postgresql.conf: no statement logging, no archive_timeout, prefix '%m [%p] %q%u@%d '
        pg = PgCluster.start(Map.of("wal_level", "replica", "archive_mode", "on",
                "archive_command", ArchiveIT.archiveCommandTo(s3, bucket), "log_line_prefix", "'%m [%p] %q%u@%d '"), Map.of());
        Map<String, String> env = new HashMap<>(s3.env(bucket));
        env.put("PITR_PGPORT", String.valueOf(pg.port()));
        cli = new Cli(env, work);
    }

    @AfterAll
    static void cleanUp() {
        if (pg != null) {
            pg.close();
        }
        TestDirs.delete(work);
    }

    static JsonNode finding(JsonNode all, String topic) {
        for (JsonNode f : all) {
            if (f.get("topic").asText().equals(topic)) {
                return f;
            }
        }
        throw new AssertionError("no finding " + topic + " in " + all);
    }

    @Test
    @Order(1)
    void debianDefaultsAreNamedWithTheirFixesAndFixingThemPasses() throws Exception {
        Cli.Run before = cli.run("check");
        assertThat(before.exitCode()).as(before.stdout() + before.stderr()).isEqualTo(3);
        assertThat(before.stdout()).contains("log_statement").contains("set: log_statement = 'mod'")
                .contains("archive_timeout").contains("set: archive_timeout = 60").contains("%x");
        Cli.Run verify = cli.run("wal", "verify");
        assertThat(verify.stdout()).as("whole says nothing of the segment being written").contains("the primary is writing")
                .contains("SELECT pg_switch_wal()");
        // with no statement logged, 'target find' says why it found nothing
        Path log = Files.writeString(work.resolve("quiet.log"), "2026-12-01 10:00:00.000 UTC [7] LOG:  checkpoint starting: time\n");
        Cli.Run find = cli.run("target", "find", "--log", log.toString(), "--table", "orders");
        assertThat(find.exitCode()).isEqualTo(1);
        assertThat(find.stdout()).contains("no matching statement found").contains("log_statement = none");

        pg.execute("ALTER SYSTEM SET log_statement = 'mod'", "ALTER SYSTEM SET archive_timeout = 60",
                "ALTER SYSTEM SET log_line_prefix = '%m [%p] xid=%x %q%u@%d '", "SELECT pg_reload_conf()");
        pg.query("SELECT pg_walfile_name(pg_switch_wal())");
        Cli.Run backup = cli.run("backup", "create");
        assertThat(backup.exitCode()).as(backup.stderr()).isZero();
        Cli.Run after = cli.run("--json", "check");
        JsonNode all = Json.mapper().readTree(after.stdout());
        assertThat(after.exitCode()).as(after.stdout()).isZero();
        assertThat(finding(all, "log_statement").get("level").asText()).isEqualTo("OK");
        assertThat(finding(all, "archive_timeout").get("level").asText()).isEqualTo("OK");
        assertThat(finding(all, "backup").get("level").asText()).isEqualTo("OK");
        assertThat(finding(all, "repository").get("level").asText()).isEqualTo("OK");
        assertThat(finding(all, "track_commit_timestamp").get("level").asText()).as("needs a restart").isEqualTo("WARN");
        JsonNode archiving = finding(all, "archive_command");
        assertThat(archiving.get("level").asText()).as("synchronous archiving falls behind a busy primary").isEqualTo("WARN");
        assertThat(archiving.get("fix").asText()).as("pasteable: the launcher, the pusher and a spool")
                .startsWith("archive_command = '/").contains(" wal push --async --spool /").endsWith(" %p'");
        JsonNode restoreCommand = finding(all, "restore_command");
        assertThat(restoreCommand.get("level").asText()).as(restoreCommand.toString()).isEqualTo("OK");
        assertThat(restoreCommand.get("value").asText()).as("pasteable: the launcher and the repository")
                .startsWith("/").endsWith(" wal fetch %f %p");
        assertThat(restoreCommand.get("why").asText()).as("run once as the server user on the newest segment")
                .containsPattern("fetched [0-9A-F]{24} \\(16\\.0 MiB\\) as postgres");

        // a repository that pitr (root) reads but the server user cannot: the restore_command fails as postgres,
        // while the repository finding is fine; the check says so before an incident does
        Path rootOnly = Files.createTempDirectory("pitr-root-only-"); // 0700, root's
        try {
            Cli unreadable = cli.with("PITR_REPO", "file://" + Files.createDirectory(rootOnly.resolve("repo")));
            String segment = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
            Cli.Run push = unreadable.run("wal", "push", pg.dataDir().resolve("pg_wal").resolve(segment).toString());
            assertThat(push.exitCode()).as(push.stderr()).isZero();
            Cli.Run denied = unreadable.run("--json", "check");
            assertThat(denied.exitCode()).isEqualTo(3);
            JsonNode all2 = Json.mapper().readTree(denied.stdout());
            assertThat(finding(all2, "repository").get("level").asText()).as("root reads it").isEqualTo("OK");
            JsonNode failed = finding(all2, "restore_command");
            assertThat(failed.get("level").asText()).as(failed.toString()).isEqualTo("FAIL");
            assertThat(failed.get("why").asText()).contains("fetching " + segment + " as postgres failed (exit ");
            assertThat(failed.get("fix").asText()).startsWith("make it work as postgres (restore_command = '/");
        } finally {
            TestDirs.delete(rootOnly);
        }
    }

    /** The background pusher's failures wait in its spool for the next call: 'check' reads them there too. */
    @Test
    @Order(2) // it breaks archiving for a moment: after the test that wants archiving to work
    void thePushersFailuresAreReadFromItsSpool() throws Exception {
        Path spool = TestDirs.serverOwned("pitr-ready-spool-");
        try {
            pg.execute("ALTER SYSTEM SET archive_command = '/bin/false pitr wal push --async --spool " + spool + " %p'",
                    "SELECT pg_reload_conf()");
            Path out = Files.createDirectories(spool.resolve("archive-out"));
            Files.writeString(out.resolve("000000010000000000000007.error"), "REFUSED\n000000010000000000000007 is"
                    + " already archived with different content");
            JsonNode all = Json.mapper().readTree(cli.run("--json", "check").stdout());
            JsonNode pusher = finding(all, "archive pusher");
            assertThat(pusher.get("level").asText()).isEqualTo("FAIL");
            assertThat(pusher.get("value").asText()).contains("idle").contains("000000010000000000000007")
                    .contains("different content");
            assertThat(out.resolve("000000010000000000000007.error")).as("left for PostgreSQL's next call").exists();
            assertThat(out.resolve("pusher.lock")).as("check locks and creates nothing there").doesNotExist();

            Files.delete(out.resolve("000000010000000000000007.error"));
            JsonNode clean = finding(Json.mapper().readTree(cli.run("--json", "check").stdout()), "archive pusher");
            assertThat(clean.get("level").asText()).isEqualTo("OK");
        } finally {
            pg.execute("ALTER SYSTEM RESET archive_command", "SELECT pg_reload_conf()");
            TestDirs.delete(spool);
        }
    }
}
