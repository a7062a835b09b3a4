package dev.pitr.backup;

import dev.pitr.core.PitrException;
import dev.pitr.repo.FileRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class ServerCompressedBackupTest {

    /**
     * The repository refuses the archive while its writer (pg_basebackup, here a shell that writes a file and
     * then waits, as pg_basebackup waits for WAL archiving) is still running: the backup fails then, with the
     * repository's error, and the writer is stopped, rather than both waiting for a writer that may never end.
     */
    @Test
    void aRepositoryThatRefusesEndsTheBackupAtOnceAndStopsTheWriter(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("repo"));
        Files.writeString(root.resolve("backups"), "a file where the backups directory goes: every object is refused");
        StagingDirectory staging = StagingDirectory.create(Files.createDirectories(dir.resolve("tmp")));
        Path out = staging.output();
        Path pidFile = dir.resolve("writer.pid");
        List<String> writer = List.of("sh", "-c", "echo $$ > '" + pidFile + "'; mkdir -p '" + out + "'"
                + " && head -c 65536 /dev/urandom > '" + out + "/base.tar.zst' && exec sleep 600");
        ServerCompressedBackup backup = new ServerCompressedBackup(new FileRepository(root), "backups/x/");
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() -> backup.take(writer, staging, () -> {
        })).isInstanceOf(PitrException.class).hasMessageContaining("cannot write backups/x/base.tar.zst"));
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        for (int i = 0; i < 100 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(50);
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the writer was stopped").isFalse();
        staging.close();
    }
}
