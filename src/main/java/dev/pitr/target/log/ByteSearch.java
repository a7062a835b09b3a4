package dev.pitr.target.log;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Finding a byte in a large buffer eight bytes at a time (a word-at-a-time zero-byte test): the log scan looks
 * for every newline and every severity separator of a multi-gigabyte log.
 */
final class ByteSearch {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private ByteSearch() {
    }

    /** The first index of {@code x} in {@code b[from, to)}, or -1. */
    static int indexOf(byte[] b, int from, int to, byte x) {
        long pattern = (x & 0xffL) * ONES;
        int i = from;
        for (; i + 16 <= to; i += 16) { // sixteen bytes a step: one branch for two words
            long v = (long) LONGS.get(b, i) ^ pattern;
            long w = (long) LONGS.get(b, i + 8) ^ pattern;
            long zv = (v - ONES) & ~v & HIGHS;
            long zw = (w - ONES) & ~w & HIGHS;
            if ((zv | zw) != 0) {
                return zv != 0 ? i + (Long.numberOfTrailingZeros(zv) >>> 3) : i + 8 + (Long.numberOfTrailingZeros(zw) >>> 3);
            }
        }
        for (; i + 8 <= to; i += 8) {
            long v = (long) LONGS.get(b, i) ^ pattern;
            long zero = (v - ONES) & ~v & HIGHS; // the lowest set bit marks the first byte equal to x
            if (zero != 0) {
                return i + (Long.numberOfTrailingZeros(zero) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    /** The first index of the severity separator {@code ":  "} in {@code b[from, to)}, or -1. */
    static int separator(byte[] b, int from, int to) {
        int i = from;
        while (true) {
            int colon = indexOf(b, i, to - 2, (byte) ':');
            if (colon < 0) {
                return -1;
            }
            if (b[colon + 1] == ' ' && b[colon + 2] == ' ') {
                return colon;
            }
            i = colon + 1;
        }
    }
}
