package dev.pitr.backup;

import dev.pitr.core.Json;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.core.PitrException;
import dev.pitr.repo.FileRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A running backup's claim: unique IDs, a heartbeat expire honours, complete only when every object is there. */
class BackupLeaseTest {
    @TempDir
    Path dir;

    @Test
    void twoBackupsStartedInTheSameSecondGetTwoIds() {
        FileRepository repo = new FileRepository(dir);
        Instant now = Instant.parse("2026-12-01T09:45:12.100Z");
        try (BackupLease a = BackupLease.claim(repo, now); BackupLease b = BackupLease.claim(repo, now.plusMillis(300))) {
            assertThat(a.id()).isEqualTo("20261201T094512Z");
            assertThat(b.id()).isEqualTo("20261201T094512Z-2");
            assertThat(repo.head(BackupCatalog.prefix(b.id()) + BackupLease.HEARTBEAT)).isPresent();
        }
        assertThat(BackupLease.running(repo, "20261201T094512Z", Instant.now()))
                .as("a backup that ended (without backup.json: it failed) is not running").isFalse();
    }

    @Test
    void expireLeavesARunningBackupAloneAndRemovesItOnceItsProcessIsGone() throws Exception {
        FileRepository repo = new FileRepository(dir);
        Instant now = Instant.now();
        String newer = "29991231T000000Z"; // a complete backup newer than the unfinished ones
        repo.put(BackupCatalog.prefix(newer) + BackupCatalog.METADATA,
                Json.mapper().writeValueAsBytes(metadataOf(newer)));
        Expirer expirer = new Expirer(repo);
        try (BackupLease running = BackupLease.claim(repo, now.minusSeconds(3600))) {
            FileTime old = FileTime.from(now.minus(BackupLease.STALE).minusSeconds(60));
            for (String f : List.of(BackupLease.HEARTBEAT, BackupCatalog.STARTED)) {
                Files.setLastModifiedTime(dir.resolve(BackupCatalog.prefix(running.id()) + f), old);
            }
            assertThat(expirer.plan(Optional.of(1), Optional.empty(), now).incompleteBackups())
                    .as("its process runs here, however old its beat looks").isEmpty();

            Process gone = new ProcessBuilder("true").start();
            gone.waitFor();
            Instant then = gone.info().startInstant().orElse(now);
            beat(repo, running.id(), new BackupLease.Beat(hostName(), gone.pid(), then.toString(), then, false));
            assertThat(expirer.plan(Optional.of(1), Optional.empty(), now).incompleteBackups())
                    .as("its process is gone: interrupted (a kill -9)").containsExactly(running.id());

            beat(repo, running.id(), new BackupLease.Beat("another-host", 1, "", now, false));
            assertThat(expirer.plan(Optional.of(1), Optional.empty(), now).incompleteBackups())
                    .as("another host, beating").isEmpty();
            Files.setLastModifiedTime(dir.resolve(BackupCatalog.prefix(running.id()) + BackupLease.HEARTBEAT), old);
            assertThat(expirer.plan(Optional.of(1), Optional.empty(), now).incompleteBackups())
                    .as("another host, silent for longer than " + BackupLease.STALE).containsExactly(running.id());
        }
    }

    /** kill -9 between the start marker and the first heartbeat: the marker names the process, which is gone. */
    @Test
    void aBackupKilledBeforeItsFirstHeartbeatIsKnownInterruptedFromItsStartMarker() throws Exception {
        FileRepository repo = new FileRepository(dir);
        Instant now = Instant.now();
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Instant then = gone.info().startInstant().orElse(now);
        String id = "20261201T094512Z";
        BackupLease.Beat by = new BackupLease.Beat(hostName(), gone.pid(), then.toString(), then, false);
        repo.put(BackupCatalog.prefix(id) + BackupCatalog.STARTED, Json.mapper().writeValueAsBytes(
                new BackupLease.Claim(id, now, "c", by)));
        assertThat(BackupLease.running(repo, id, now)).as("its claimant is gone, however fresh the marker").isFalse();

        repo.put(BackupCatalog.prefix(id) + BackupCatalog.STARTED, Json.mapper().writeValueAsBytes(new BackupLease.Claim(
                id, now, "c", new BackupLease.Beat(hostName(), ProcessHandle.current().pid(), ProcessHandle.current()
                .info().startInstant().map(Instant::toString).orElse(""), now, false))));
        assertThat(BackupLease.running(repo, id, now.plus(BackupLease.STALE).plusSeconds(60)))
                .as("its claimant runs here").isTrue();

        repo.put(BackupCatalog.prefix(id) + BackupCatalog.STARTED, "{\"id\":\"x\",\"started_at\":\"2026-12-01T09:45:12Z\"}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(BackupLease.running(repo, id, now)).as("an older pitr's marker: recent, so maybe running").isTrue();
    }

    private static void beat(FileRepository repo, String id, BackupLease.Beat beat) throws Exception {
        repo.put(BackupCatalog.prefix(id) + BackupLease.HEARTBEAT, Json.mapper().writeValueAsBytes(beat));
    }

    private static String hostName() throws Exception {
        return java.net.InetAddress.getLocalHost().getHostName();
    }

    @Test
    void aBackupWhoseObjectsVanishedIsNeverMarkedComplete() {
        FileRepository repo = new FileRepository(dir);
        String id = "20261201T094512Z";
        BackupMetadata.BackupFile base = new BackupMetadata.BackupFile("base.tar", BackupCatalog.prefix(id) + "base.tar.zst",
                10, 3, "ab".repeat(32));
        repo.put(BackupCatalog.prefix(id) + "backup_manifest", new byte[]{1});
        assertThatThrownBy(() -> BackupService.verifyStored(repo, id, List.of(base), BackupCatalog.prefix(id) + "backup_manifest"))
                .isInstanceOf(PitrException.class).hasMessageContaining("base.tar.zst is missing")
                .hasMessageContaining("not marked complete");
        repo.put(base.key(), new byte[]{1, 2});
        assertThatThrownBy(() -> BackupService.verifyStored(repo, id, List.of(base), BackupCatalog.prefix(id) + "backup_manifest"))
                .hasMessageContaining("has 2 bytes instead of 3");
        repo.put(base.key(), new byte[]{1, 2, 3});
        BackupService.verifyStored(repo, id, List.of(base), BackupCatalog.prefix(id) + "backup_manifest");
    }

    private static BackupMetadata metadataOf(String id) {
        Instant t = Instant.parse("2999-12-31T00:00:00Z");
        return new BackupMetadata(BackupMetadata.FORMAT_VERSION, id, "nightly", Lsn.parse("0/2000028"), Lsn.parse("0/2000100"), t, t, 1,
                WalSegmentName.parse("000000010000000000000002").orElseThrow(),
                WalSegmentName.parse("000000010000000000000002").orElseThrow(), "7300000000000000001", 15, "15.8",
                16 * 1024 * 1024, 30_000_000, List.of(new BackupMetadata.BackupFile("base.tar", "backups/" + id
                + "/base.tar.zst", 30_000_000, 4_000_000, "ab".repeat(32))), "backups/" + id + "/backup_manifest");
    }
}
