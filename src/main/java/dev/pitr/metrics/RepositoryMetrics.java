package dev.pitr.metrics;

import dev.pitr.backup.BackupCatalog;
import dev.pitr.backup.BackupMetadata;
import dev.pitr.backup.Inventory;
import dev.pitr.wal.ArchiveSpool;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What an alert on a repository needs, beyond drills: how old the newest archived WAL and the newest complete
 * backup are (as timestamps: the alert takes {@code time() -} them, so a stale textfile cannot look fresh), how
 * many backups there are, where the restorable window begins and ends, how many segments are missing inside the
 * archive, and what the background pusher failed to store. Values are read, never estimated: a gauge whose
 * input is absent (no WAL yet, no spool) is left out rather than written as 0.
 */
public final class RepositoryMetrics {
    private RepositoryMetrics() {
    }

    /** {@code spool}: the pusher's spool, when archiving goes through one. */
    public static Exposition of(Inventory.Snapshot snap, Optional<ArchiveSpool> spool, String cluster, String repository) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("cluster", cluster);
        labels.put("repository", repository);
        Exposition e = new Exposition(labels);
        snap.newestSegmentAt().ifPresent(t -> e.gauge("pitr_wal_newest_archived_timestamp_seconds",
                "when the newest WAL segment in the repository was archived (alert on time() minus this: the data at"
                        + " risk if the primary died now)", seconds(t)));
        Optional<BackupMetadata> newest = snap.backups().stream().filter(BackupCatalog.Entry::complete)
                .flatMap(b -> b.metadata().stream()).max(Comparator.comparing(BackupMetadata::stopTime));
        newest.ifPresent(b -> e.gauge("pitr_backup_newest_completed_timestamp_seconds",
                "when the newest complete backup ended (a restore replays all WAL since)", seconds(b.stopTime())));
        e.gauge("pitr_backups_complete", "complete backups in the repository",
                snap.backups().stream().filter(BackupCatalog.Entry::complete).count());
        e.gauge("pitr_backups_unusable", "backups found damaged or unusable (kept, never restored from)",
                snap.backups().stream().filter(b -> b.problem().isPresent()).count());
        snap.timelines().stream().flatMap(t -> t.windows().stream()).map(Inventory.Window::from).min(Comparator.naturalOrder())
                .ifPresent(t -> e.gauge("pitr_restorable_window_start_timestamp_seconds",
                        "the earliest time a restore can reach", seconds(t)));
        snap.timelines().stream().flatMap(t -> t.windows().stream()).map(Inventory.Window::to).max(Comparator.naturalOrder())
                .ifPresent(t -> e.gauge("pitr_restorable_window_end_timestamp_seconds",
                        "the latest time a restore can reach (the archive's newest commit)", seconds(t)));
        e.gauge("pitr_wal_missing_segments", "WAL segments missing between archived ones (a gap no restore crosses)",
                snap.timelines().stream().flatMap(t -> t.gaps().stream()).mapToLong(Inventory.Gap::count).sum());
        spool.ifPresent(s -> e.gauge("pitr_archive_failed_segments",
                "segments the background pusher failed to store and PostgreSQL will retry (plus 1 if the pusher"
                        + " itself failed)", s.failedSegments().size() + (s.pusherFailure().isPresent() ? 1 : 0)));
        return e;
    }

    static double seconds(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }
}
