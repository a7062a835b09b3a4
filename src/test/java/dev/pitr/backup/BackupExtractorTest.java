package dev.pitr.backup;

import dev.pitr.core.ExitCode;
import com.github.luben.zstd.ZstdOutputStream;
import dev.pitr.core.Hashing;
import dev.pitr.core.PitrException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackupExtractorTest {
    @TempDir
    Path dir;

    private record Tar(byte[] stored, BackupMetadata.BackupFile file) {
    }

    private static Tar tar(TarArchiveEntry... entries) throws Exception {
        return tar(e -> ("content of " + e.getName()).getBytes(StandardCharsets.UTF_8), entries);
    }

    /** A zstd-compressed tar of {@code entries}, each file holding {@code body.apply(entry)}. */
    private static Tar tar(java.util.function.Function<TarArchiveEntry, byte[]> content, TarArchiveEntry... entries)
            throws Exception {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(raw)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (TarArchiveEntry e : entries) {
                byte[] body = e.isFile() ? content.apply(e) : new byte[0];
                if (e.isFile()) {
                    e.setSize(body.length);
                }
                t.putArchiveEntry(e);
                t.write(body);
                t.closeArchiveEntry();
            }
        }
        byte[] rawBytes = raw.toByteArray();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (ZstdOutputStream out = new ZstdOutputStream(z)) {
            out.write(rawBytes);
        }
        return new Tar(z.toByteArray(), new BackupMetadata.BackupFile("base.tar", "backups/x/base.tar.zst",
                rawBytes.length, z.size(), Hashing.hex(Hashing.sha256(rawBytes, 0, rawBytes.length))));
    }

    private static TarArchiveEntry file(String name) {
        return new TarArchiveEntry(name);
    }

    @Test
    void extractsDirectoriesAndFilesAndChecksTheDigest() throws Exception {
        Tar t = tar(new TarArchiveEntry("base/"), file("base/1"), file("PG_VERSION"));
        Path pgdata = dir.resolve("data");
        assertThat(BackupExtractor.extract(new ByteArrayInputStream(t.stored()), t.file(), pgdata)).isEqualTo(t.file().rawBytes());
        assertThat(Files.readString(pgdata.resolve("base/1"))).isEqualTo("content of base/1");
        BackupMetadata.BackupFile wrong = new BackupMetadata.BackupFile("base.tar", "k", t.file().rawBytes(), 0, "00".repeat(32));
        assertThatThrownBy(() -> BackupExtractor.extract(new ByteArrayInputStream(t.stored()), wrong, dir.resolve("d2")))
                .isInstanceOf(PitrException.class).hasMessageContaining("does not match its metadata");
    }

    @Test
    void aBackupProvenByItsStoredDigestIsCheckedByItAndByZstdsContentChecksum() throws Exception {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(raw)) {
            byte[] body = "x".repeat(100_000).getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = file("base/1");
            e.setSize(body.length);
            t.putArchiveEntry(e);
            t.write(body);
            t.closeArchiveEntry();
        }
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (ZstdOutputStream out = new ZstdOutputStream(z).setChecksum(true)) { // as BackupService writes them
            out.write(raw.toByteArray());
        }
        byte[] stored = z.toByteArray();
        BackupMetadata.BackupFile good = new BackupMetadata.BackupFile("base.tar", "k", raw.size(), stored.length, null,
                Hashing.hex(Hashing.sha256(stored, 0, stored.length)));
        assertThat(BackupExtractor.extract(new ByteArrayInputStream(stored), good, dir.resolve("a"))).isEqualTo(raw.size());
        assertThat(Files.readString(dir.resolve("a/base/1"))).hasSize(100_000);

        BackupMetadata.BackupFile wrong = new BackupMetadata.BackupFile("base.tar", "k", raw.size(), stored.length, null,
                "00".repeat(32));
        assertThatThrownBy(() -> BackupExtractor.extract(new ByteArrayInputStream(stored), wrong, dir.resolve("b")))
                .isInstanceOf(PitrException.class).hasMessageContaining("stored sha256")
                .extracting(e -> ((PitrException) e).exitCode()).isEqualTo(ExitCode.VERIFICATION_FAILED);

        byte[] damaged = stored.clone();
        damaged[damaged.length - 6] ^= 0x40; // inside the last block or the frame's checksum
        assertThatThrownBy(() -> BackupExtractor.extract(new ByteArrayInputStream(damaged), good, dir.resolve("c")))
                .isInstanceOf(PitrException.class)
                .extracting(e -> ((PitrException) e).exitCode()).isEqualTo(ExitCode.VERIFICATION_FAILED);
        assertThatThrownBy(() -> new BackupMetadata.BackupFile("base.tar", "k", 1, 1, null, null))
                .as("an object without a digest is refused").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsEntriesThatEscapeOrAreNotPlainFiles() throws Exception {
        TarArchiveEntry link = new TarArchiveEntry("pg_tblspc/16384", TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("/etc");
        TarArchiveEntry device = new TarArchiveEntry("dev0", TarArchiveEntry.LF_CHR);
        for (TarArchiveEntry bad : new TarArchiveEntry[]{file("../escape"), file("base/../../escape"), link, device,
                file("x".repeat(2000))}) {
            Tar t = tar(bad);
            Path pgdata = dir.resolve("data-" + Math.abs(bad.getName().hashCode()));
            assertThatThrownBy(() -> BackupExtractor.extract(new ByteArrayInputStream(t.stored()), t.file(), pgdata))
                    .isInstanceOf(PitrException.class).hasMessageContaining("rejected");
        }
        assertThat(Files.exists(dir.resolve("escape"))).isFalse();
        assertThat(Files.exists(dir.getParent().resolve("escape"))).isFalse();
    }

    /** A full disk mid-extraction: one line that says so and what to do next, exit 5 (resume picks it up). */
    @Test
    void aFullDiskDuringExtractionIsOneClearLineNamingTheFix() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString())
                .redirectErrorStream(true).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mount.waitFor() == 0,
                "mounting a 1 MB tmpfs needs root with CAP_SYS_ADMIN (as the CI image has)");
        try {
            byte[] big = new byte[3 * 1024 * 1024];
            new java.util.Random(3).nextBytes(big);
            Tar t = tar(e -> big, file("base/16384/16385"));
            assertThatThrownBy(() -> BackupExtractor.extract(new ByteArrayInputStream(t.stored()), t.file(),
                    small.resolve("data")))
                    .isInstanceOfSatisfying(PitrException.class, ex -> assertThat(ex.exitCode())
                            .isEqualTo(ExitCode.IO_FAILURE))
                    .hasMessageContaining("disk full while extracting backups/x/base.tar.zst")
                    .hasMessageContaining("pitr restore resume");
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor();
        }
    }
}
