package dev.pitr.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds a WAL segment whose long page header is valid (the rest is zeros). pitr uses it to warm the class
 * data archive at build time; tests use it for header checks without running a server.
 */
public final class SyntheticWal {
    private SyntheticWal() {
    }

    public static byte[] segment(long systemIdentifier, WalSegmentName name, int segmentSize) {
        byte[] data = new byte[segmentSize];
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) 0xD110);          // PostgreSQL 15 XLOG_PAGE_MAGIC
        b.putShort(2, (short) 0x0002);          // XLP_LONG_HEADER
        b.putInt(4, name.timeline());
        b.putLong(8, name.startLsn(segmentSize).value());
        b.putLong(24, systemIdentifier);
        b.putInt(32, segmentSize);
        b.putInt(36, 8192);
        return data;
    }
}
