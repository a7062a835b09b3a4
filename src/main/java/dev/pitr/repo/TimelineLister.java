package dev.pitr.repo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Lists one timeline's WAL objects fast: the timeline's "log" directories (each at most 256 segments of
 * 16 MB, one LIST page) are listed in parallel rather than paging through the whole timeline in sequence.
 */
public final class TimelineLister {
    private static final int PARALLEL = 16;

    private TimelineLister() {
    }

    /** The timeline's segments by name (history, partial and backup-label files left out). */
    public static java.util.TreeMap<dev.pitr.wal.WalSegmentName, ObjectInfo> segments(Repository repo, int timeline) {
        java.util.TreeMap<dev.pitr.wal.WalSegmentName, ObjectInfo> out = new java.util.TreeMap<>();
        for (ObjectInfo o : list(repo, timeline)) {
            RepositoryLayout.walFileOf(o.key()).ifPresent(f -> {
                if (f instanceof dev.pitr.wal.WalFileName.Segment s) {
                    out.put(s.segment(), o);
                }
            });
        }
        return out;
    }

    public static List<ObjectInfo> list(Repository repo, int timeline) {
        String prefix = RepositoryLayout.timelinePrefix(timeline);
        List<String> children = repo.listChildren(prefix);
        List<ObjectInfo> out = new ArrayList<>();
        List<String> logDirs = new ArrayList<>();
        for (String c : children) {
            if (c.matches("[0-9A-F]{8}")) {
                logDirs.add(prefix + c + "/");
            } else {
                repo.head(prefix + c).ifPresent(out::add); // the timeline's history file
            }
        }
        if (logDirs.size() <= 1) {
            logDirs.forEach(d -> out.addAll(repo.list(d)));
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL, logDirs.size()));
            try {
                List<Future<List<ObjectInfo>>> parts = new ArrayList<>();
                for (String d : logDirs) {
                    parts.add(pool.submit(() -> repo.list(d)));
                }
                for (Future<List<ObjectInfo>> f : parts) {
                    out.addAll(f.get());
                }
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                pool.shutdown();
            }
        }
        out.sort(Comparator.comparing(ObjectInfo::key));
        return out;
    }
}
