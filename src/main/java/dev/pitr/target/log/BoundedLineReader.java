package dev.pitr.target.log;

import java.io.IOException;
import java.io.Reader;

/** Reads lines of at most {@code max} characters; the rest of a longer line is skipped (bounded memory). */
final class BoundedLineReader {
    private final Reader in;
    private final int max;
    private final char[] buf = new char[64 * 1024];
    private int pos;
    private int len;
    private boolean lastTruncated;
    /** Characters consumed before the line last returned, and in all. */
    private long lastStart;
    private long consumed;

    BoundedLineReader(Reader in, int max) {
        this.in = in;
        this.max = max;
    }

    /** The next line without its terminator, or null at the end. */
    String readLine() throws IOException {
        lastStart = consumed;
        StringBuilder sb = null;
        lastTruncated = false;
        boolean any = false;
        while (true) {
            if (pos >= len) {
                len = in.read(buf, 0, buf.length);
                pos = 0;
                if (len <= 0) {
                    return any ? (sb == null ? "" : sb.toString()) : null;
                }
            }
            any = true;
            int start = pos;
            while (pos < len && buf[pos] != '\n') {
                pos++;
            }
            consumed += pos - start + (pos < len ? 1 : 0);
            if (pos < len && sb == null && pos - start <= max) { // the common case: one copy, no builder
                int end = pos > start && buf[pos - 1] == '\r' ? pos - 1 : pos;
                pos++;
                return new String(buf, start, end - start);
            }
            if (sb == null) {
                sb = new StringBuilder();
            }
            int take = Math.min(pos - start, max - sb.length());
            if (take > 0) {
                sb.append(buf, start, take);
            }
            if (pos - start > take) {
                lastTruncated = true;
            }
            if (pos < len) {
                pos++; // consume '\n'
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
        }
    }

    /** Where the line last returned starts, in characters from the start (bytes, for ASCII text). */
    long lastStart() {
        return lastStart;
    }

    boolean lastTruncated() {
        return lastTruncated;
    }
}
