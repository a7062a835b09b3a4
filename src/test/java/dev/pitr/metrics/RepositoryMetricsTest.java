package dev.pitr.metrics;

import dev.pitr.backup.BackupCatalog;
import dev.pitr.backup.BackupMetadata;
import dev.pitr.backup.Inventory;
import dev.pitr.core.ExitCode;
import dev.pitr.wal.ArchiveSpool;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.WalSegmentName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Each gauge from what the repository holds: timestamps as they are, counts as counted, absent inputs left out. */
class RepositoryMetricsTest {
    static final int SEG = 16 << 20;
    static final Instant OLD_BACKUP = Instant.parse("2026-12-01T10:00:00.250Z");
    static final Instant NEW_BACKUP = Instant.parse("2026-12-04T10:00:00Z");
    static final Instant NEWEST_WAL = Instant.parse("2026-12-05T09:59:30.5Z");

    static BackupMetadata backup(String id, Instant stop) {
        return new BackupMetadata(1, id, "pitr " + id, new Lsn(0x2000028L), new Lsn(0x2000100L), stop.minusSeconds(60), stop, 1,
                WalSegmentName.of(1, 2, SEG), WalSegmentName.of(1, 2, SEG), "7000000000000000001", 15, "15.18", SEG, 1L << 30,
                List.of(), "manifest");
    }

    static Exposition sample(Optional<ArchiveSpool> spool) {
        Inventory.Timeline tl = new Inventory.Timeline(1, Optional.empty(), Optional.empty(), false, 40,
                List.of(new Inventory.Run("000000010000000000000002", "000000010000000000000010", 15, OLD_BACKUP, OLD_BACKUP),
                        new Inventory.Run("000000010000000000000014", "000000010000000000000030", 29, OLD_BACKUP, NEWEST_WAL)),
                List.of(new Inventory.Gap("000000010000000000000011", "000000010000000000000013", 3)),
                List.of("a", "b"),
                List.of(new Inventory.Window("a", OLD_BACKUP, OLD_BACKUP.plusSeconds(3600), WalSegmentName.of(1, 2, SEG),
                                WalSegmentName.of(1, 16, SEG)),
                        new Inventory.Window("b", NEW_BACKUP, NEWEST_WAL.minusSeconds(2), WalSegmentName.of(1, 20, SEG),
                                WalSegmentName.of(1, 48, SEG))),
                List.of());
        Inventory.Snapshot snap = new Inventory.Snapshot(Optional.empty(), List.of(tl),
                List.of(new BackupCatalog.Entry("a", Optional.of(backup("a", OLD_BACKUP)), Optional.empty()),
                        new BackupCatalog.Entry("b", Optional.of(backup("b", NEW_BACKUP)), Optional.empty()),
                        new BackupCatalog.Entry("c", Optional.empty(), Optional.of("part 2 fails its digest")),
                        new BackupCatalog.Entry("d", Optional.empty(), Optional.empty())),
                Optional.of("000000010000000000000030"), Optional.of(NEWEST_WAL));
        return RepositoryMetrics.of(snap, spool, "shop", "file:///srv/pitr");
    }

    @Test
    void everyGaugeIsReadFromTheRepositorysPicture(@TempDir Path dir) {
        ArchiveSpool spool = new ArchiveSpool(dir);
        spool.fail("000000010000000000000031", new ArchiveSpool.Failure(ExitCode.IO_FAILURE, "store unreachable"));
        var values = sample(Optional.of(spool)).values();
        assertThat(values.get("pitr_wal_newest_archived_timestamp_seconds")).isEqualTo(NEWEST_WAL.getEpochSecond() + 0.5);
        assertThat(values.get("pitr_backup_newest_completed_timestamp_seconds")).isEqualTo((double) NEW_BACKUP.getEpochSecond());
        assertThat(values.get("pitr_backups_complete")).isEqualTo(2.0);
        assertThat(values.get("pitr_backups_unusable")).as("the damaged one; the interrupted one is neither").isEqualTo(1.0);
        assertThat(values.get("pitr_restorable_window_start_timestamp_seconds")).isEqualTo(OLD_BACKUP.getEpochSecond() + 0.25);
        assertThat(values.get("pitr_restorable_window_end_timestamp_seconds"))
                .isEqualTo(NEWEST_WAL.minusSeconds(2).getEpochSecond() + 0.5);
        assertThat(values.get("pitr_wal_missing_segments")).isEqualTo(3.0);
        assertThat(values.get("pitr_archive_failed_segments")).isEqualTo(1.0);
    }

    @Test
    void aGaugeWithoutItsInputIsLeftOutNotWrittenAsZero() {
        Inventory.Snapshot empty = new Inventory.Snapshot(Optional.empty(), List.of(), List.of(), Optional.empty(),
                Optional.empty());
        var values = RepositoryMetrics.of(empty, Optional.empty(), "shop", "file:///srv/pitr").values();
        assertThat(values).containsOnlyKeys("pitr_backups_complete", "pitr_backups_unusable", "pitr_wal_missing_segments");
        assertThat(values.get("pitr_backups_complete")).isZero();
    }
}
