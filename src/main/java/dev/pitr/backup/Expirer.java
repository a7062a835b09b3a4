package dev.pitr.backup;

import dev.pitr.wal.WalArchive;
import dev.pitr.core.PitrException;
import dev.pitr.repo.IdentityStore;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryIdentity;
import dev.pitr.repo.RepositoryLayout;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalSegmentName;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Retention: keeps the newest N full backups and/or those younger than D days, and deletes older backups
 * and exactly the WAL that no retained backup can use (segments before the oldest retained backup's start).
 * History files are always kept.
 */
public final class Expirer {
    public record Plan(List<String> retained, List<String> expiredBackups, List<String> incompleteBackups,
                       List<String> walKeys, Optional<String> keepWalFrom) {
    }

    private final Repository repo;

    public Expirer(Repository repo) {
        this.repo = repo;
    }

    public Plan plan(Optional<Integer> keepFull, Optional<Integer> keepDays, Instant now) {
        if (keepFull.isEmpty() && keepDays.isEmpty()) {
            throw PitrException.usage("expire needs a rule: --keep-full N and/or --keep-days D");
        }
        if (keepFull.map(n -> n < 1).orElse(false) || keepDays.map(d -> d < 0).orElse(false)) {
            throw PitrException.usage("--keep-full must be at least 1 and --keep-days not negative");
        }
        List<BackupCatalog.Entry> entries = new BackupCatalog(repo).list();
        List<BackupMetadata> complete = entries.stream().flatMap(e -> e.metadata().stream())
                .sorted(Comparator.comparing(BackupMetadata::stopTime).reversed()).toList();
        List<String> retained = new ArrayList<>();
        List<String> expired = new ArrayList<>();
        for (int i = 0; i < complete.size(); i++) {
            BackupMetadata b = complete.get(i);
            boolean byCount = keepFull.isPresent() && i < keepFull.get();
            boolean byAge = keepDays.isPresent() && Duration.between(b.stopTime(), now).toDays() < keepDays.get();
            if (byCount || byAge || i == 0) { // the newest complete backup is never expired
                retained.add(b.id());
            } else {
                expired.add(b.id());
            }
        }
        String newestComplete = complete.isEmpty() ? "" : complete.get(0).id();
        // an unfinished backup is deleted only when it is older than the newest complete one and has stopped
        // beating: a backup that is still running is never touched
        List<String> incomplete = entries.stream().filter(BackupCatalog.Entry::interrupted)
                .filter(e -> e.id().compareTo(newestComplete) < 0)
                .filter(e -> !BackupLease.running(repo, e.id(), now)).map(BackupCatalog.Entry::id).toList();

        int segSize = new IdentityStore(repo).read().map(RepositoryIdentity::walSegmentSize).orElse(16 * 1024 * 1024);
        Optional<WalSegmentName> keepFrom = complete.stream().filter(b -> retained.contains(b.id()))
                .map(b -> b.startSegment())
                .min(Comparator.comparingLong(s -> s.segmentNumber(segSize)));
        List<String> wal = new ArrayList<>();
        keepFrom.ifPresent(from -> {
            for (ObjectInfo o : repo.list(RepositoryLayout.WAL)) {
                WalArchive.fileOf(o.key()).flatMap(WalFileName::segmentName).ifPresent(seg -> {
                    if (seg.segmentNumber(segSize) < from.segmentNumber(segSize)) {
                        wal.add(o.key());
                    }
                });
            }
        });
        return new Plan(retained, expired, incomplete, wal, keepFrom.map(WalSegmentName::toString));
    }

    /** Backups of the repository kept by the plan, read back newest first until one is whole; refuses otherwise. */
    private void requireAWholeRetainedBackup(Plan plan) {
        BackupCatalog catalog = new BackupCatalog(repo);
        List<BackupMetadata> retained = plan.retained().stream().map(catalog::require)
                .sorted(Comparator.comparing(BackupMetadata::stopTime)).toList();
        if (new BackupVerifier(repo).newestWhole(retained, VERIFY_PARALLEL).isEmpty()) {
            throw PitrException.verification("every backup expire would keep (" + String.join(", ", plan.retained())
                    + ") is damaged (see 'pitr backup verify'): nothing was deleted; take a new backup with 'pitr backup"
                    + " create' first, or keep more with --keep-full");
        }
    }

    /** Objects read back at once while checking the retained backups. */
    private static final int VERIFY_PARALLEL = 4;

    /**
     * Deletes what the plan names; a backup's metadata goes first, so a half-deleted backup is never "complete".
     * Before any backup goes, the backups kept are read back (newest first) until one proves whole: expiring must
     * never leave only damaged backups behind.
     */
    public void execute(Plan plan) {
        if (!plan.expiredBackups().isEmpty()) {
            requireAWholeRetainedBackup(plan);
        }
        List<String> backups = new ArrayList<>(plan.expiredBackups());
        backups.addAll(plan.incompleteBackups());
        for (String id : backups) {
            String prefix = BackupCatalog.prefix(id);
            repo.delete(prefix + BackupCatalog.METADATA);
            for (ObjectInfo o : repo.list(prefix)) {
                repo.delete(o.key());
            }
        }
        plan.walKeys().forEach(repo::delete);
        repo.removeStaleTemps(java.time.Duration.ofHours(1)); // what a killed writer left behind
    }
}
