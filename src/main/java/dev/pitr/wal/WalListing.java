package dev.pitr.wal;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One listing of an archive: each timeline's segments with the time each was stored, and the timelines whose
 * history file is archived (a timeline can have its history file before its first whole segment).
 */
public record WalListing(Map<Integer, TreeMap<WalSegmentName, Instant>> segments, Set<Integer> histories) {
    public WalListing {
        TreeMap<Integer, TreeMap<WalSegmentName, Instant>> copy = new TreeMap<>();
        segments.forEach((tl, segs) -> copy.put(tl, new TreeMap<>(segs)));
        segments = copy;
        histories = Set.copyOf(histories);
    }

    /** Adds what an archived file's name says: a segment (with when it was stored) or a history file. */
    public static void add(Map<Integer, TreeMap<WalSegmentName, Instant>> segments, Set<Integer> histories,
                           WalFileName file, Instant stored) {
        if (file instanceof WalFileName.Segment s) {
            segments.computeIfAbsent(s.segment().timeline(), t -> new TreeMap<>()).put(s.segment(), stored);
        } else if (file instanceof WalFileName.TimelineHistory h) {
            histories.add(h.timeline());
        }
    }
}
