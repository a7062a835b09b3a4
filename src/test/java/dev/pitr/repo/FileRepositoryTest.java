package dev.pitr.repo;

import dev.pitr.pg.ProcessRunner;
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
    void aPrivateRepositoryKeepsItsObjectsPrivateAndWithItsOwnerWhoeverWrites() throws Exception {
        Path root = Files.createDirectories(dir.resolve("private"));
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        boolean asRoot = "root".equals(System.getProperty("user.name"));
        if (asRoot) { // as in production: the repository belongs to the server user; root runs backups and restores
            ProcessRunner.giveToServerUser(root);
        }
        try (Repository r = Repositories.open("file://" + root, S3Settings.aws())) {
            r.put("backups/b1/backup.json", new byte[]{1});
            r.putIfAbsent("wal/00000001/00000000/x.pitr", new byte[]{2});
            r.putStream("backups/b1/base.tar.zst", new java.io.ByteArrayInputStream(new byte[]{3}));
        }
        for (String p : new String[]{"backups/b1/backup.json", "wal/00000001/00000000/x.pitr", "backups/b1/base.tar.zst"}) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(p))))
                    .as(p).isEqualTo("rw-------");
            if (asRoot) {
                assertThat(Files.getOwner(root.resolve(p)).getName()).as(p).isEqualTo("postgres");
            }
        }
        for (String d : new String[]{"backups", "backups/b1", "wal/00000001/00000000"}) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(d))))
                    .as(d).isEqualTo("rwx------");
        }
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Repository r = Repositories.open("file://" + shared, S3Settings.aws())) {
            r.put("a/b", new byte[]{1});
        }
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(shared.resolve("a/b"))))
                .as("a shared repository stays readable as it was").isEqualTo("rw-r--r--");
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
