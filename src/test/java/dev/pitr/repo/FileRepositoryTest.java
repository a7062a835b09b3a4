package dev.pitr.repo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileRepositoryTest extends RepositoryContract {
    @TempDir
    Path dir;

    @Override
    protected Repository newRepository() {
        return Repositories.open("file://" + dir, S3Settings.aws());
    }

    @Test
    void aMissingRootIsRefusedRatherThanCreated() {
        Path typo = dir.resolve("no-such-dir");
        assertThatThrownBy(() -> Repositories.open("file://" + typo, S3Settings.aws()))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("does not exist");
        assertThat(Files.exists(typo)).isFalse();
    }

    @Test
    void staleTempFilesOfKilledWritesAreRemovedAndFreshOnesKept() throws Exception {
        java.nio.file.Path stale = Files.writeString(Files.createDirectories(dir.resolve("wal/00000001")).resolve("s.pitr-tmp-1"), "half");
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(7200)));
        java.nio.file.Path fresh = Files.writeString(dir.resolve("f.pitr-tmp-2"), "being written");
        assertThat(repo.removeStaleTemps(java.time.Duration.ofHours(1))).isEqualTo(1);
        assertThat(stale).doesNotExist();
        assertThat(fresh).exists();
    }

    @Test
    void leftoverTempFilesAreInvisible() throws Exception {
        Files.writeString(dir.resolve("x.pitr-tmp-123"), "half");
        repo.put("y", new byte[]{1});
        assertThat(repo.list("")).extracting(ObjectInfo::key).containsExactly("y");
    }
}
