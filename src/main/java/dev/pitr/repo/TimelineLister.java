package dev.pitr.repo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

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
        dev.pitr.core.Parallel.map(logDirs, PARALLEL, repo::list).forEach(out::addAll);
        out.sort(Comparator.comparing(ObjectInfo::key));
        return out;
    }
}
