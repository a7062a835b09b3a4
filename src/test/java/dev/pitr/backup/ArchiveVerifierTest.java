package dev.pitr.backup;

import dev.pitr.wal.Lsn;
import dev.pitr.wal.WalArchive;
import dev.pitr.core.Json;
import dev.pitr.repo.FileRepository;
import dev.pitr.repo.RepositoryLayout;
import dev.pitr.wal.SyntheticWal;
import dev.pitr.wal.WalArchiver;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalObjectFormat;
import dev.pitr.wal.WalSegmentName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What 'wal verify' must not call whole: no WAL, a backup's missing WAL or files, foreign or renamed segments. */
class ArchiveVerifierTest {
    private static final int MB16 = 16 * 1024 * 1024;
    private static final long SYSID = 7_300_000_000_000_000_001L;

    @TempDir
    Path dir;

    private FileRepository repo;

    private void push(long... numbers) throws Exception {
        Path pgWal = Files.createDirectories(dir.resolve("pg_wal"));
        for (long n : numbers) {
            WalSegmentName name = WalSegmentName.of(1, n, MB16);
            Path file = Files.write(pgWal.resolve(name.toString()), SyntheticWal.segment(SYSID, name, MB16));
            new WalArchiver(repo, 1, s -> { }).push(file);
        }
    }

    private static String key(long number) {
        return WalArchive.keyOf(WalFileName.parseOrThrow(WalSegmentName.of(1, number, MB16).toString()));
    }

    private List<String> kinds(boolean deep) {
        return new ArchiveVerifier(repo).verify(deep, 2).problems().stream()
                .filter(ArchiveVerifier.Problem::blocking).map(p -> p.kind() + " " + p.object()).toList();
    }

    private void backup(String id, long start, long stop) throws Exception {
        String base = BackupCatalog.prefix(id) + "base.tar.zst";
        repo.put(base, new byte[]{1, 2, 3});
        repo.put(BackupCatalog.prefix(id) + "backup_manifest", new byte[]{1});
        Instant t = Instant.parse("2026-12-01T01:00:00Z");
        repo.put(BackupCatalog.prefix(id) + BackupCatalog.METADATA, Json.mapper().writeValueAsBytes(new BackupMetadata(
                BackupMetadata.FORMAT_VERSION, id, "nightly", Lsn.parse("0/2000028"), Lsn.parse("0/3000100"), t, t, 1,
                WalSegmentName.of(1, start, MB16), WalSegmentName.of(1, stop, MB16),
                Long.toUnsignedString(SYSID), 15, "15.8", MB16, 30, List.of(new BackupMetadata.BackupFile("base.tar", base,
                30, 3, "ab".repeat(32))), BackupCatalog.prefix(id) + "backup_manifest")));
    }

    @Test
    void aRepositoryWithoutWalIsNotWhole() throws Exception {
        repo = new FileRepository(Files.createDirectories(dir.resolve("repo")));
        push(2);
        repo.delete(key(2));
        assertThat(kinds(false)).containsExactly("no-wal " + RepositoryLayout.WAL);
    }

    @Test
    void aBackupsMissingStartSegmentAndMissingBaseAreFound() throws Exception {
        repo = new FileRepository(Files.createDirectories(dir.resolve("repo")));
        push(2, 3, 4, 5);
        backup("20261201T010000Z", 2, 3);
        assertThat(kinds(false)).isEmpty();
        repo.delete(key(2)); // no gap between segments that are there: only the backup knows it needs this one
        repo.delete(BackupCatalog.prefix("20261201T010000Z") + "base.tar.zst");
        assertThat(kinds(false)).containsExactlyInAnyOrder(
                "missing-backup-wal " + WalSegmentName.of(1, 2, MB16),
                "missing-backup-file " + BackupCatalog.prefix("20261201T010000Z") + "base.tar.zst");
    }

    @Test
    void theDeepCheckFindsForeignAndRenamedSegments() throws Exception {
        repo = new FileRepository(Files.createDirectories(dir.resolve("repo")));
        push(2, 3, 4);
        byte[] foreign = SyntheticWal.segment(42L, WalSegmentName.of(1, 5, MB16), MB16);
        repo.put(key(5), WalObjectFormat.encode(foreign, MessageDigest.getInstance("SHA-256").digest(foreign), 1));
        byte[] renamed = SyntheticWal.segment(SYSID, WalSegmentName.of(1, 9, MB16), MB16);
        repo.put(key(6), WalObjectFormat.encode(renamed, MessageDigest.getInstance("SHA-256").digest(renamed), 1));
        assertThat(kinds(false)).as("a shallow check reads no content").isEmpty();
        assertThat(kinds(true)).containsExactlyInAnyOrder("foreign-wal " + key(5), "wrong-segment " + key(6));
    }
}
