package dev.pitr.target.log;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Plain stderr read as bytes: each message is judged by the word filter on its raw bytes and decoded only
 * when it passes, so the messages that do not matter (nearly all of a large log) make no strings. What it
 * counts and yields is what {@link StderrReader} does with the decoded text. Its words are looked for line by
 * line as the lines arrive; a one-line message (nearly all) stays where it was read and is copied only if it
 * continues.
 */
final class StderrBytes {
    /** Bytes of lines {@link #lines} reads a call. */
    private static final int SLICE = 32 << 10;
    private static final byte[] NEWLINE = {'\n'};

    private final ScanContext scan;

    private final MessageAssembler assembler;
    private final KeywordFilter words;
    private final long base;
    private boolean open; // a message is being gathered
    private long found; // the words of the open message so far
    private byte[] headBuf; // the open message while it is only its first line, in place
    private int headFrom;
    private int headTo;
    private int bodyAt; // where the words start (the severity separator), from the message's first byte
    private byte[] message = new byte[4096]; // the open message once copied (it continues, or the buffer is refilled)
    private int length = -1; // -1: not copied
    private long messageLine;
    private long messageOffset;
    private int continuationBytes;
    private byte[] carry = new byte[4096]; // a line that spans two reads
    private int carried;
    private boolean skippingRest; // the rest of an over-long line
    private long lineNo;

    StderrBytes(ScanContext scan, MessageAssembler assembler, KeywordFilter words, long base) {
        this.scan = scan;
        this.assembler = assembler;
        this.words = words;
        this.base = base;
    }

    void read(InputStream in) throws IOException {
        byte[] buf = new byte[1 << 20];
        long offset = base; // of buf[0] in the file
        int n;
        while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
            int start = 0;
            for (int next; (next = lines(buf, start, n, offset)) != start; ) {
                start = next;
            }
            copyHead(); // buf is about to be read into again
            keepPartial(buf, start, n, offset + start);
            offset += n;
        }
        if (carried > 0 || skippingRest) {
            byte[] last = Arrays.copyOf(carry, carried);
            int len = carried;
            carried = 0;
            boolean truncated = skippingRest;
            skippingRest = false;
            line(last, 0, len, carryOffset, truncated);
        }
        finish();
        assembler.flush();
    }

    private long carryOffset;

    /**
     * The complete lines of {@code buf[from, n)} that start in the next {@link #SLICE} bytes; where the line
     * after them starts ({@code from} when none ends in the buffer). A slice a call, not the buffer: the JIT
     * compiles a method called thousands of times once for all parts of the log, while one loop over
     * whole parts is only compiled on the stack, again for each part and after each deoptimization.
     */
    private int lines(byte[] buf, int from, int n, long offset) {
        int start = from;
        int limit = Math.min(n, from + SLICE);
        for (int nl; start < limit && (nl = ByteSearch.indexOf(buf, start, n, (byte) '\n')) >= 0; start = nl + 1) {
            endOfLine(buf, start, nl, offset + start);
        }
        return start;
    }

    /** The bytes after the last newline of a read: the start of a line the next read completes. */
    private void keepPartial(byte[] buf, int from, int to, long offset) {
        if (from >= to || skippingRest) {
            return;
        }
        if (carried == 0) {
            carryOffset = offset;
        }
        int room = LogFiles.MAX_LINE - carried;
        int take = Math.min(room, to - from);
        if (carry.length < carried + take) {
            carry = Arrays.copyOf(carry, Math.max(carry.length * 2, carried + take));
        }
        System.arraycopy(buf, from, carry, carried, take);
        carried += take;
        if (take < to - from) {
            skippingRest = true; // BoundedLineReader keeps LogFiles.MAX_LINE of a longer line, and so do we
        }
    }

    private void endOfLine(byte[] buf, int from, int to, long offset) {
        if (carried > 0 || skippingRest) {
            boolean truncated = skippingRest;
            if (!skippingRest) {
                keepPartial(buf, from, to, offset);
                truncated = skippingRest;
            }
            byte[] whole = carry;
            int len = carried;
            long at = carryOffset;
            carried = 0;
            skippingRest = false;
            line(whole, 0, len, at, truncated);
            return;
        }
        boolean truncated = to - from > LogFiles.MAX_LINE;
        line(buf, from, truncated ? from + LogFiles.MAX_LINE : to, offset, truncated);
    }

    private void line(byte[] b, int from, int to, long offset, boolean truncated) {
        lineNo++;
        scan.stats.lines++;
        if (truncated) {
            scan.stats.truncated++;
        }
        if (to > from && b[to - 1] == '\r') {
            to--;
        }
        if (open && to > from && b[from] == '\t') {
            continuation(b, from + 1, to);
            return;
        }
        int separator = scan.prefix.separatorAt(b, from, to);
        if (separator == LogLinePrefix.UNDECIDED) {
            separator = scan.prefix.mayStart(decode(b, from, to)) ? ByteSearch.separator(b, from, to)
                    : LogLinePrefix.NO_MESSAGE;
        }
        if (separator >= 0) {
            finish();
            open = true;
            // the words that matter are SQL, after the severity's ":  " (and after "statement: ", the most
            // logged text there is): the prefix before it is not searched
            found = words.find(b, sqlStart(b, separator, to), to);
            headBuf = b;
            headFrom = from;
            headTo = to;
            bodyAt = separator - from;
            length = -1;
            continuationBytes = 0;
            messageLine = lineNo;
            messageOffset = offset;
        } else if (open && !binary(b, from, to)) {
            continuation(b, from, to);
        } else {
            scan.stats.skipped++;
        }
    }

    private void continuation(byte[] b, int from, int to) {
        if (continuationBytes + (to - from) + 1 >= LogFiles.MAX_LINE) {
            return; // the text path bounds a message's continuation the same way
        }
        continuationBytes += to - from + 1;
        copyHead();
        append(NEWLINE, 0, 1);
        append(b, from, to);
        found |= words.find(b, from, to);
    }

    /**
     * Where the words of a message whose severity separator is at {@code separator} are looked for: after
     * {@code "statement: "}, the most logged text there is, and after {@code "duration: N ms  statement: "},
     * what log_min_duration_statement writes for every statement; elsewhere from the separator on.
     */
    private static int sqlStart(byte[] b, int separator, int to) {
        int text = separator + 3;
        if (startsWith(b, text, to, DURATION)) {
            int i = text + DURATION.length;
            while (i < to && (b[i] >= '0' && b[i] <= '9' || b[i] == '.' || b[i] == ',')) {
                i++;
            }
            return startsWith(b, i, to, MS_STATEMENT) ? i + MS_STATEMENT.length : separator;
        }
        return startsWith(b, text, to, STATEMENT) ? text + STATEMENT.length : separator;
    }

    private static boolean startsWith(byte[] b, int at, int to, byte[] word) {
        int end = at + word.length;
        return end <= to && Arrays.equals(b, at, end, word, 0, word.length);
    }

    private static final byte[] STATEMENT = "statement: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DURATION = "duration: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MS_STATEMENT = " ms  statement: ".getBytes(StandardCharsets.US_ASCII);

    /** The open message's first line into {@link #message}, if it is still only in the buffer it was read into. */
    private void copyHead() {
        if (open && length < 0) {
            length = 0;
            append(headBuf, headFrom, headTo);
            headBuf = null;
        }
    }

    private void append(byte[] b, int from, int to) {
        int len = to - from;
        if (message.length < length + len) {
            message = Arrays.copyOf(message, Math.max(message.length * 2, length + len));
        }
        System.arraycopy(b, from, message, length, len);
        length += len;
    }

    /** Judges the open message by its words; only one that passes is decoded and parsed. */
    private void finish() {
        if (!open) {
            return;
        }
        open = false;
        byte[] b = length < 0 ? headBuf : message;
        int from = length < 0 ? headFrom : 0;
        int to = length < 0 ? headTo : length;
        if (!words.accept(found, b, from + bodyAt, to) && !words.severityBefore(b, from, from + bodyAt)
                || !words.inSession(b, from, from + bodyAt)) {
            scan.stats.entries++;
            return;
        }
        String text = decode(b, from, to);
        if (continuationBytes == 0) { // one line: nearly every message
            assembler.head(text, messageLine, messageOffset, null, null);
        } else {
            String[] lines = text.split("\n", -1);
            assembler.head(lines[0], messageLine, messageOffset, null, null);
            for (int i = 1; i < lines.length; i++) {
                assembler.continuation(lines[i]);
            }
        }
        assembler.judged();
        assembler.flush();
    }

    private boolean binary(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xff;
            if (c < 0x20 && c != '\t' || c >= 0x80) {
                return LogFiles.looksBinary(decode(b, from, to)); // the rare line that needs the text's judgement
            }
        }
        return false;
    }

    private static String decode(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.UTF_8);
    }
}
