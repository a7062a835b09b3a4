package dev.pitr.wal;

import dev.pitr.core.Parallel;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/** What WAL the repository holds, per timeline: segments as contiguous ranges, plus history/partial/backup files. */
public final class WalCatalog {
    /** A run of consecutive segments on one timeline. */
    public record Range(String first, String last, long count) {
    }

    /** {@code storedBytes}: empty where the archive's owner does not say (another tool's WAL, listed by name). */
    public record TimelineWal(int timeline, boolean historyFile, long segments, OptionalLong storedBytes,
                              List<Range> ranges, List<String> partials, List<String> backupFiles,
                              List<String> unrecognized) {
    }

    public record Listing(int segmentSize, List<TimelineWal> timelines) {
    }

    private final Repository repo;
    private final int segmentSize;

    public WalCatalog(Repository repo, int segmentSize) {
        this.repo = repo;
        this.segmentSize = segmentSize;
    }

    public Listing list(Optional<Integer> onlyTimeline) {
        List<Integer> timelines = new WalArchive(repo).timelines().stream()
                .filter(t -> onlyTimeline.isEmpty() || onlyTimeline.get().equals(t)).toList();
        // timelines list independently: list them in parallel
        return new Listing(segmentSize, Parallel.map(timelines, 8, this::timeline));
    }

    private TimelineWal timeline(int tli) {
        TreeMap<WalSegmentName, ObjectInfo> segments = new TreeMap<>();
        List<String> partials = new ArrayList<>();
        List<String> backups = new ArrayList<>();
        List<String> unrecognized = new ArrayList<>();
        boolean history = false;
        long bytes = 0;
        for (ObjectInfo o : new WalArchive(repo).objects(tli)) {
            bytes += o.size();
            Optional<WalFileName> f = WalArchive.fileOf(o.key());
            if (f.isEmpty()) {
                unrecognized.add(o.key());
            } else if (f.get() instanceof WalFileName.Segment s) {
                segments.put(s.segment(), o);
            } else if (f.get() instanceof WalFileName.Partial p) {
                partials.add(p.fileName());
            } else if (f.get() instanceof WalFileName.BackupHistory b) {
                backups.add(b.fileName());
            } else {
                history = true;
            }
        }
        return new TimelineWal(tli, history, segments.size(), OptionalLong.of(bytes), ranges(segments.keySet(), segmentSize),
                partials, backups, unrecognized);
    }

    /** The same listing of any archive, by segment name (another tool's, read through its {@link WalSource}). */
    public static Listing of(WalSource source, int segmentSize, Optional<Integer> onlyTimeline) {
        return new Listing(segmentSize, source.timelines().stream()
                .filter(t -> onlyTimeline.isEmpty() || onlyTimeline.get().equals(t))
                .map(t -> {
                    var segments = source.segments(t).keySet();
                    return new TimelineWal(t, source.hasHistory(t), segments.size(), OptionalLong.empty(),
                            ranges(segments, segmentSize), List.of(), List.of(), List.of());
                }).toList());
    }

    static List<Range> ranges(Iterable<WalSegmentName> sorted, int segmentSize) {
        return SegmentRuns.of(sorted, segmentSize).stream()
                .map(r -> new Range(r.first().toString(), r.last().toString(), r.count())).toList();
    }
}
