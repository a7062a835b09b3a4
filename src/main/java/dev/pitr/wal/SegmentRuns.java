package dev.pitr.wal;

import java.util.ArrayList;
import java.util.List;

/** Splits sorted segment names into runs of consecutive segments; whatever lies between two runs is a gap. */
public final class SegmentRuns {
    /** Consecutive segments {@code first..last}. */
    public record Run(WalSegmentName first, WalSegmentName last, long count) {
    }

    private SegmentRuns() {
    }

    public static List<Run> of(Iterable<WalSegmentName> sorted, int segmentSize) {
        List<Run> out = new ArrayList<>();
        WalSegmentName first = null;
        WalSegmentName prev = null;
        long count = 0;
        for (WalSegmentName s : sorted) {
            if (prev != null && s.segmentNumber(segmentSize) != prev.segmentNumber(segmentSize) + 1) {
                out.add(new Run(first, prev, count));
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
            out.add(new Run(first, prev, count));
        }
        return out;
    }
}
