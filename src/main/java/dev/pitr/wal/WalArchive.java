package dev.pitr.wal;

import dev.pitr.core.Parallel;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The WAL archive in a repository: where each WAL file's object lives, which timelines there are, and a
 * timeline's segments. WAL is bucketed by timeline and then by the "log" part of the segment name (see
 * docs/repository.md), so one timeline, or one 4 GB stretch of it, lists without the rest. The repository
 * itself knows objects only.
 */
public final class WalArchive {
    public static final String PREFIX = RepositoryLayout.WAL;
    private static final int PARALLEL = 16;

    private final Repository repo;

    public WalArchive(Repository repo) {
        this.repo = repo;
    }

    public static String timelinePrefix(int timeline) {
        return PREFIX + String.format("%08X", timeline) + "/";
    }

    /** The object key of a WAL file. */
    public static String keyOf(WalFileName file) {
        String dir = timelinePrefix(file.timeline()) + file.segmentName().map(s -> s.logHex() + "/").orElse("");
        return dir + file.fileName() + RepositoryLayout.OBJECT_SUFFIX;
    }

    /** The WAL file an object key holds, or empty for a key that is not a WAL object of this layout. */
    public static Optional<WalFileName> fileOf(String key) {
        if (!key.startsWith(PREFIX) || !key.endsWith(RepositoryLayout.OBJECT_SUFFIX)) {
            return Optional.empty();
        }
        String name = key.substring(key.lastIndexOf('/') + 1, key.length() - RepositoryLayout.OBJECT_SUFFIX.length());
        return WalFileName.parse(name).filter(f -> keyOf(f).equals(key));
    }

    /** The timelines that hold WAL, oldest first. */
    public List<Integer> timelines() {
        return repo.listChildren(PREFIX).stream().filter(WalFileName::isTimelineHex)
                .map(t -> (int) Long.parseLong(t, 16)).sorted().toList();
    }

    /** A timeline's history file, parsed; empty when the repository holds none (or a damaged one). */
    public Optional<HistoryFile> history(int timeline) {
        String key = keyOf(new WalFileName.TimelineHistory(timeline));
        return repo.getBytes(key).flatMap(stored -> {
            try {
                return Optional.of(HistoryFile.parse(timeline, WalObjectFormat.decode(stored), key));
            } catch (WalObjectFormat.CorruptObjectException | dev.pitr.core.PitrException damaged) {
                return Optional.empty(); // 'wal verify --deep' names it
            }
        });
    }

    /** Every WAL object of every timeline. */
    public List<ObjectInfo> all() {
        return repo.list(PREFIX);
    }

    /** The timeline's segments by name (history, partial and backup-label files left out). */
    public TreeMap<WalSegmentName, ObjectInfo> segments(int timeline) {
        TreeMap<WalSegmentName, ObjectInfo> out = new TreeMap<>();
        for (ObjectInfo o : objects(timeline)) {
            fileOf(o.key()).ifPresent(f -> {
                if (f instanceof WalFileName.Segment s) {
                    out.put(s.segment(), o);
                }
            });
        }
        return out;
    }

    /**
     * A timeline's objects, fast: its "log" directories (each at most 256 segments of 16 MB, one LIST page) are
     * listed in parallel rather than paging through the whole timeline in sequence.
     */
    public List<ObjectInfo> objects(int timeline) {
        String prefix = timelinePrefix(timeline);
        List<String> logDirs = new ArrayList<>();
        List<ObjectInfo> out = new ArrayList<>();
        for (String c : repo.listChildren(prefix)) {
            if (c.length() == 8 && WalFileName.isTimelineHex(c)) { // a "log" directory: 8 hex digits like a timeline
                logDirs.add(prefix + c + "/");
            } else {
                repo.head(prefix + c).ifPresent(out::add); // the timeline's history file
            }
        }
        Parallel.map(logDirs, PARALLEL, repo::list).forEach(out::addAll);
        out.sort(Comparator.comparing(ObjectInfo::key));
        return out;
    }
}
