package dev.pitr.cli;

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
    void aDataDirectoryInsideTheRepositoryIsRefused() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Cli.Run run = cli(repo).run("restore", "plan", "--target-latest", "--pgdata", repo.resolve("restore").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("overlaps the repository");
        assertThat(repo.resolve("restore")).doesNotExist();
    }
}
