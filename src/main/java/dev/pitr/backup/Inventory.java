package dev.pitr.backup;

import dev.pitr.core.Parallel;
import dev.pitr.wal.SegmentRuns;
import dev.pitr.wal.WalObjectFormat;
import dev.pitr.wal.ArchiveHorizon;
import dev.pitr.wal.WalArchive;
import dev.pitr.repo.IdentityStore;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryIdentity;
import dev.pitr.repo.RepositoryLayout;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalSegmentName;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the repository can restore: per timeline its parent and fork point (from the .history file), its
 * segments as contiguous runs, its backups, and for each backup the window of time it can reach before the
 * first gap. Everything is read with LIST calls (one per timeline, in parallel) and small GETs.
 */
public final class Inventory {
    /** A run of consecutive segments. */
    public record Run(String first, String last, long count, Instant firstArchivedAt, Instant lastArchivedAt) {
    }

    /** A missing stretch of segments between two runs. */
    public record Gap(String firstMissing, String lastMissing, long count) {
    }

    /**
     * From a backup (its end, to the microsecond) to the newest commit in the WAL archived after it without a gap:
     * the times a time target reaches.
     */
    public record Window(String backupId, Instant from, Instant to, WalSegmentName fromSegment, WalSegmentName toSegment) {
    }

    public record Timeline(int timeline, Optional<Integer> parent, Optional<String> forkLsn, boolean historyFile,
                           long segments, List<Run> runs, List<Gap> gaps, List<String> backups, List<Window> windows,
                           List<String> unrecognized) {
    }

    public record Snapshot(Optional<RepositoryIdentity> identity, List<Timeline> timelines,
                           List<BackupCatalog.Entry> backups, Optional<String> newestSegment,
                           Optional<Instant> newestSegmentAt) {
    }

    private final Repository repo;
    private final Optional<ArchiveHorizon> horizon;

    /** Timelines, runs and gaps only: no restorable windows (their ends are read from the WAL itself). */
    public Inventory(Repository repo) {
        this(repo, Optional.empty());
    }

    /**
     * With restorable windows: each from its backup's end to the newest commit archived after it (read with
     * pg_waldump through {@code horizon}), the last time a time target reaches.
     */
    public Inventory(Repository repo, Optional<ArchiveHorizon> horizon) {
        this.repo = repo;
        this.horizon = horizon;
    }

    public Snapshot snapshot() {
        Optional<RepositoryIdentity> identity = new IdentityStore(repo).read();
        int segSize = identity.map(RepositoryIdentity::walSegmentSize).orElse(16 * 1024 * 1024);
        List<BackupCatalog.Entry> backups = new BackupCatalog(repo).list();
        List<Integer> tls = new WalArchive(repo).timelines();
        List<Timeline> timelines = Parallel.map(tls, 8, tl -> timeline(tl, segSize, backups));
        Optional<Run> newest = timelines.stream().flatMap(t -> t.runs().stream())
                .max(Comparator.comparing(Run::lastArchivedAt));
        return new Snapshot(identity, timelines, backups, newest.map(Run::last), newest.map(Run::lastArchivedAt));
    }

    private Timeline timeline(int tl, int segSize, List<BackupCatalog.Entry> backups) {
        TreeMap<WalSegmentName, ObjectInfo> segs = new TreeMap<>();
        List<String> unrecognized = new ArrayList<>();
        boolean history = false;
        for (ObjectInfo o : new WalArchive(repo).objects(tl)) {
            Optional<WalFileName> f = WalArchive.fileOf(o.key());
            if (f.isEmpty()) {
                unrecognized.add(o.key());
            } else if (f.get() instanceof WalFileName.Segment s) {
                segs.put(s.segment(), o);
            } else if (f.get() instanceof WalFileName.TimelineHistory) {
                history = true;
            }
        }
        Optional<Integer> parent = Optional.empty();
        Optional<String> fork = Optional.empty();
        if (history) {
            String[] last = lastHistoryLine(tl);
            if (last != null) {
                parent = Optional.of(Integer.parseInt(last[0].trim()));
                fork = Optional.of(last[1].trim());
            }
        }
        List<Run> runs = new ArrayList<>();
        List<Gap> gaps = new ArrayList<>();
        SegmentRuns.Run previous = null;
        for (SegmentRuns.Run r : SegmentRuns.of(segs.keySet(), segSize)) {
            if (previous != null) {
                long missing = r.first().segmentNumber(segSize) - previous.last().segmentNumber(segSize) - 1;
                gaps.add(new Gap(previous.last().next(segSize).toString(),
                        WalSegmentName.of(tl, r.first().segmentNumber(segSize) - 1, segSize).toString(), missing));
            }
            runs.add(new Run(r.first().toString(), r.last().toString(), r.count(), segs.get(r.first()).lastModified(),
                    segs.get(r.last()).lastModified()));
            previous = r;
        }
        List<String> onTimeline = new ArrayList<>();
        List<Window> windows = new ArrayList<>();
        java.util.Map<WalSegmentName, Optional<Instant>> newestCommit = new java.util.HashMap<>(); // by a run's end
        for (BackupCatalog.Entry e : backups) {
            if (e.metadata().isEmpty() || e.metadata().get().timeline() != tl) {
                continue;
            }
            BackupMetadata b = e.metadata().get();
            onTimeline.add(b.id());
            WalSegmentName start = b.startSegment();
            WalSegmentName stop = b.stopSegment();
            WalSegmentName cursor = start;
            WalSegmentName end = null;
            while (segs.containsKey(cursor)) {
                end = cursor;
                cursor = cursor.next(segSize);
            }
            if (end != null && end.compareTo(stop) >= 0 && horizon.isPresent()) {
                Instant from = b.restorableFrom();
                List<WalSegmentName> run = new ArrayList<>(segs.subMap(start, true, end, true).keySet());
                Instant to = newestCommit.computeIfAbsent(end, last -> horizon.get().lastCommit(run)
                        .map(ArchiveHorizon.Horizon::lastCommit)).filter(t -> t.isAfter(from)).orElse(from);
                windows.add(new Window(b.id(), from, to, b.stopSegment(), end));
            }
        }
        return new Timeline(tl, parent, fork, history, segs.size(), runs, gaps, onTimeline, windows, unrecognized);
    }

    /** The last line of a timeline's .history file: parent timeline, switch point, reason. */
    private String[] lastHistoryLine(int tl) {
        String key = WalArchive.keyOf(new WalFileName.TimelineHistory(tl));
        Optional<byte[]> obj = repo.getBytes(key);
        if (obj.isEmpty()) {
            return null;
        }
        try {
            String text = new String(WalObjectFormat.decode(obj.get()), StandardCharsets.UTF_8);
            String[] last = null;
            for (String line : text.split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    last = line.split("\t");
                }
            }
            return last != null && last.length >= 2 ? last : null;
        } catch (WalObjectFormat.CorruptObjectException e) {
            return null;
        }
    }
}
