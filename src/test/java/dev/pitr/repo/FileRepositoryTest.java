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
    void leftoverTempFilesAreInvisible() throws Exception {
        Files.writeString(dir.resolve("x.pitr-tmp-123"), "half");
        repo.put("y", new byte[]{1});
        assertThat(repo.list("")).extracting(ObjectInfo::key).containsExactly("y");
    }
}
