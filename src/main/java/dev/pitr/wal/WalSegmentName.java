package dev.pitr.wal;

import java.util.Optional;

/**
 * A WAL segment's 24-hex-digit name: timeline, then the segment number split in a "log" (high 32 bits of the
 * LSN) and a segment within that log, exactly as PostgreSQL's {@code XLogFileName} builds it.
 */
public record WalSegmentName(int timeline, long log, long segmentInLog) implements Comparable<WalSegmentName> {
    public static final int LENGTH = 24;

    public WalSegmentName {
        if (timeline == 0) {
            throw new IllegalArgumentException("timeline 0 does not exist");
        }
    }

    /** The name as JSON holds it (a stored record keeps the 24 hex digits, not the parts). */
    @com.fasterxml.jackson.annotation.JsonCreator
    static WalSegmentName fromJson(String name) {
        return parse(name).orElseThrow(() -> new IllegalArgumentException("'" + name + "' is not a WAL segment name"));
    }

    public static Optional<WalSegmentName> parse(String name) {
        if (name.length() != LENGTH || !isHex(name)) {
            return Optional.empty();
        }
        int timeline = (int) Long.parseLong(name.substring(0, 8), 16);
        if (timeline == 0) {
            return Optional.empty();
        }
        return Optional.of(new WalSegmentName(timeline, Long.parseLong(name.substring(8, 16), 16),
                Long.parseLong(name.substring(16, 24), 16)));
    }

    public static WalSegmentName of(int timeline, long segmentNumber, int segmentSize) {
        long perLog = segmentsPerLog(segmentSize);
        return new WalSegmentName(timeline, segmentNumber / perLog, segmentNumber % perLog);
    }

    /**
     * The segment size under which {@code lsn} lies in segment {@code name} (a power of two from 1 MiB to 1 GiB, as
     * initdb allows), for a tool that records a backup's start both ways but not the size.
     */
    public static Optional<Integer> sizeFor(Lsn lsn, WalSegmentName name) {
        for (int size = 1 << 20; size > 0 && size <= 1 << 30; size <<= 1) {
            if (containing(name.timeline(), lsn, size).equals(name)) {
                return Optional.of(size);
            }
        }
        return Optional.empty();
    }

    public static WalSegmentName containing(int timeline, Lsn lsn, int segmentSize) {
        return of(timeline, lsn.segmentNumber(segmentSize), segmentSize);
    }

    static long segmentsPerLog(int segmentSize) {
        return 0x1_0000_0000L / segmentSize;
    }

    public long segmentNumber(int segmentSize) {
        return log * segmentsPerLog(segmentSize) + segmentInLog;
    }

    public Lsn startLsn(int segmentSize) {
        return new Lsn(segmentNumber(segmentSize) * segmentSize);
    }

    public WalSegmentName next(int segmentSize) {
        return of(timeline, segmentNumber(segmentSize) + 1, segmentSize);
    }

    public String timelineHex() {
        return String.format("%08X", timeline);
    }

    public String logHex() {
        return String.format("%08X", log);
    }

    static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }

    /** Order within one timeline by position; across timelines by timeline first. */
    @Override
    public int compareTo(WalSegmentName o) {
        int c = Integer.compareUnsigned(timeline, o.timeline);
        if (c != 0) {
            return c;
        }
        c = Long.compare(log, o.log);
        return c != 0 ? c : Long.compare(segmentInLog, o.segmentInLog);
    }

    @Override
    @com.fasterxml.jackson.annotation.JsonValue
    public String toString() {
        return String.format("%08X%08X%08X", timeline, log, segmentInLog);
    }
}
