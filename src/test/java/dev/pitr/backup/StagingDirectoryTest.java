package dev.pitr.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class StagingDirectoryTest {

    private static Path stagingOf(Path parent, String name, String owner) throws Exception {
        Path dir = Files.createDirectories(parent.resolve(StagingDirectory.PREFIX + name + "/out"));
        Files.write(dir.resolve("base.tar.zst"), new byte[4096]);
        if (owner != null) {
            Files.writeString(dir.getParent().resolve(StagingDirectory.OWNER), owner);
        }
        return dir.getParent();
    }

    @Test
    void aStagingDirectoryOfAPitrThatIsGoneIsRemovedAndOthersAreKept(@TempDir Path tmp) throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Path abandoned = stagingOf(tmp, "1", Long.toString(ended.pid()));
        Path running = stagingOf(tmp, "2", Long.toString(ProcessHandle.current().pid()));
        Path unowned = stagingOf(tmp, "3", null);
        Path other = Files.createDirectories(tmp.resolve("someone-else"));
        Files.writeString(other.resolve(StagingDirectory.OWNER), Long.toString(ended.pid()));

        StagingDirectory.removeAbandoned(tmp);
        Path created;
        try (StagingDirectory staging = StagingDirectory.create(tmp)) {
            created = staging.path();
            assertThat(abandoned).doesNotExist();
            assertThat(running).exists();
            assertThat(unowned).as("no owner note: not known to be abandoned").exists();
            assertThat(other).as("not a staging directory").exists();
            assertThat(created.getFileName().toString()).startsWith(StagingDirectory.PREFIX);
            assertThat(Files.readString(created.resolve(StagingDirectory.OWNER)))
                    .isEqualTo(Long.toString(ProcessHandle.current().pid()));
        }
        assertThat(created).as("removed when the backup ends").doesNotExist();
    }
}
