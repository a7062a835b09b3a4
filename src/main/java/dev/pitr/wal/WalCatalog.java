package dev.pitr.wal;

import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;

/** What WAL the repository holds, per timeline: segments as contiguous ranges, plus history/partial/backup files. */
public final class WalCatalog {
    /** A run of consecutive segments on one timeline. */
    public record Range(String first, String last, long count) {
    }

    public record TimelineWal(int timeline, boolean historyFile, long segments, long storedBytes,
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
        List<Integer> timelines = new ArrayList<>();
        for (String child : repo.listChildren(RepositoryLayout.WAL)) {
            if (child.matches("[0-9A-F]{8}")) {
                int tli = (int) Long.parseLong(child, 16);
                if (onlyTimeline.isEmpty() || onlyTimeline.get() == tli) {
                    timelines.add(tli);
                }
            }
        }
        // timelines list independently: list them in parallel (one LIST stream per timeline)
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(8, timelines.size())));
        try {
            List<Future<TimelineWal>> futures = new ArrayList<>();
            for (int tli : timelines) {
                futures.add(pool.submit(() -> timeline(tli)));
            }
            List<TimelineWal> out = new ArrayList<>();
            for (Future<TimelineWal> f : futures) {
                out.add(f.get());
            }
            return new Listing(segmentSize, out);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            pool.shutdown();
        }
    }

    private TimelineWal timeline(int tli) {
        TreeMap<WalSegmentName, ObjectInfo> segments = new TreeMap<>();
        List<String> partials = new ArrayList<>();
        List<String> backups = new ArrayList<>();
        List<String> unrecognized = new ArrayList<>();
        boolean history = false;
        long bytes = 0;
        for (ObjectInfo o : dev.pitr.repo.TimelineLister.list(repo, tli)) {
            bytes += o.size();
            Optional<WalFileName> f = RepositoryLayout.walFileOf(o.key());
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
        return new TimelineWal(tli, history, segments.size(), bytes, ranges(segments.keySet()), partials, backups,
                unrecognized);
    }

    List<Range> ranges(Iterable<WalSegmentName> sorted) {
        List<Range> out = new ArrayList<>();
        WalSegmentName first = null;
        WalSegmentName prev = null;
        long count = 0;
        for (WalSegmentName s : sorted) {
            if (prev != null && s.segmentNumber(segmentSize) != prev.segmentNumber(segmentSize) + 1) {
                out.add(new Range(first.toString(), prev.toString(), count));
                first = null;
            }
            if (first == null) {
                first = s;
                count = 0;
            }
            prev = s;
            count++;
        }
        if (first != null) {
            out.add(new Range(first.toString(), prev.toString(), count));
        }
        return out;
    }
}
