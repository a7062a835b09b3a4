package dev.pitr.cli;

import dev.pitr.wal.SyntheticWal;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.testkit.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Typos an operator makes under stress: each is one clear line and a usage exit, and nothing is touched. */
class OperatorMistakesTest {
    @TempDir
    Path dir;

    private Cli cli(Path repo) {
        return new Cli(Map.of("PITR_REPO", "file://" + repo), dir);
    }

    @Test
    void aBackupIdThatIsAPathIsAUsageError() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Cli.Run run = cli(repo).run("backup", "show", "../../etc/passwd");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("is not a backup ID").doesNotContain("unexpected error");
    }

    @Test
    void anUnknownCompressionPlaceIsAUsageErrorBeforeAnythingStarts() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Cli.Run run = cli(repo).run("backup", "create", "--compress-at", "sideways");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("--compress-at sideways: give server, client or auto");
        assertThat(repo.resolve("backups")).as("no backup was started").doesNotExist();
    }

    @Test
    void underJsonAStatementWithoutATimeIsOneDocumentAndNothingFoundCarriesTheHint() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Path log = Files.writeString(dir.resolve("pg.log"), "[42] LOG:  statement: DROP TABLE orders\n");
        Cli.Run unbounded = cli(repo).run("--json", "target", "find", "--log", log.toString(), "--log-line-prefix", "[%p] ",
                "--table", "orders");
        assertThat(unbounded.exitCode()).as(unbounded.stderr()).isEqualTo(3);
        var docs = dev.pitr.core.Json.mapper().readerFor(com.fasterxml.jackson.databind.JsonNode.class)
                .<com.fasterxml.jackson.databind.JsonNode>readValues(unbounded.stdout()).readAll();
        assertThat(docs).as(unbounded.stdout()).hasSize(1);
        assertThat(docs.get(0).get("exit").asInt()).isEqualTo(3);

        Cli.Run nothing = cli(repo).run("--json", "target", "find", "--log", log.toString(), "--log-line-prefix", "[%p] ",
                "--table", "customers");
        assertThat(nothing.exitCode()).isEqualTo(1);
        assertThat(dev.pitr.core.Json.mapper().readTree(nothing.stdout()).get("hint").asText()).contains("--wal --table");
    }

    @Test
    void aDataDirectoryThatIsAFileIsAUsageErrorNamingIt() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Path file = Files.writeString(dir.resolve("notes.txt"), "keep me");
        Cli.Run run = cli(repo).run("restore", "run", "--target-latest", "--pgdata", file.toString());
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(2);
        assertThat(run.stderr()).contains(file + " is a file, not a directory");
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    void aDataDirectoryInsideTheRepositoryIsRefused() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Cli.Run run = cli(repo).run("restore", "plan", "--target-latest", "--pgdata", repo.resolve("restore").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("overlaps the repository");
        assertThat(repo.resolve("restore")).doesNotExist();
    }

    /** The opt-in queue limit: with the repository down, pg_wal must not fill the disk; the drop is loud. */
    @Test
    void aFullQueueDropsASegmentOnlyWhenAskedAndSaysSo() throws Exception {
        Path pgWal = Files.createDirectories(dir.resolve("pg_wal/archive_status")).getParent();
        Path segment = null;
        for (long n = 2; n <= 5; n++) {
            var name = WalSegmentName.of(1, n, 16 * 1024 * 1024);
            segment = Files.write(pgWal.resolve(name.toString()),
                    SyntheticWal.segment(7_300_000_000_000_000_001L, name, 16 * 1024 * 1024));
            Files.createFile(pgWal.resolve("archive_status").resolve(name + ".ready"));
        }
        Cli down = new Cli(Map.of("PITR_REPO", "s3://bucket/repo", "PITR_S3_ENDPOINT", "http://127.0.0.1:1",
                "PITR_S3_MAX_ATTEMPTS", "1", "AWS_ACCESS_KEY_ID", "x", "AWS_SECRET_ACCESS_KEY", "y"), dir);
        Cli.Run failing = down.run("wal", "push", segment.toString());
        assertThat(failing.exitCode()).as("off by default: PostgreSQL keeps the segment and retries").isEqualTo(5);
        Cli.Run roomLeft = down.run("wal", "push", "--queue-max", "10", segment.toString());
        assertThat(roomLeft.exitCode()).isEqualTo(5);
        Cli.Run full = down.run("wal", "push", "--queue-max", "3", segment.toString());
        assertThat(full.exitCode()).isZero();
        assertThat(full.stderr()).contains("DROPPED without being archived").contains("4 segments wait")
                .contains("take a new backup");
        assertThat(down.with("PITR_ARCHIVE_QUEUE_MAX", "3").run("wal", "push", segment.toString()).exitCode())
                .as("the same limit from the config / environment").isZero();
    }
}
