package dev.pitr.target.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.ZstdInputStream;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.zip.GZIPInputStream;

/**
 * Reads PostgreSQL log files (plain, gzip, zstd, bzip2, xz) in any {@link LogFormat} into {@link LogEntry}s.
 * Garbage, binary junk, invalid UTF-8 and over-long lines are counted in {@link ScanStats} and skipped; a file
 * in a format pitr does not read is refused by name, never scanned as text.
 */
public final class LogReader {
    static final int MAX_LINE = 1 << 20;

    private final Optional<LogFormat> forcedFormat;
    private final LogLinePrefix prefix;
    private final LogZone zone;
    private final ScanStats stats;
    private final Predicate<String> interesting;
    private final LogMessages messages = LogMessages.standard();
    private int year = java.time.Year.now().getValue();
    private java.util.function.BiPredicate<Severity, String> wanted = (severity, message) -> true;

    /**
     * {@code interesting} sees each message's raw text before anything is parsed: messages it rejects cost
     * only the line split, which is what makes a multi-gigabyte scan fast.
     */
    public LogReader(Optional<LogFormat> forcedFormat, LogLinePrefix prefix, LogZone zone, ScanStats stats,
                     Predicate<String> interesting) {
        this.forcedFormat = forcedFormat;
        this.prefix = prefix;
        this.zone = zone;
        this.stats = stats;
        this.interesting = interesting;
    }

    public LogReader(Optional<LogFormat> forcedFormat, LogLinePrefix prefix, Optional<ZoneId> logZone, ScanStats stats) {
        this(forcedFormat, prefix, LogZone.of(logZone), stats, text -> true);
    }

    /**
     * A second filter, on the English severity and the message once the line is split, before the time is
     * parsed and an entry is made: what a scan does not need costs no more than that.
     */
    public LogReader keep(java.util.function.BiPredicate<Severity, String> wanted) {
        this.wanted = wanted;
        return this;
    }

    /** The year of syslog's traditional time stamps, which print none (default: the file's, else this year's). */
    public LogReader year(int year) {
        this.year = year;
        return this;
    }

    public void read(Path file, Consumer<LogEntry> sink) {
        try (InputStream raw = open(file)) {
            read(file.getFileName().toString(), file.toString(), raw, sink);
        } catch (IOException e) {
            throw PitrException.usage("cannot read log file " + file + ": " + e.getMessage());
        }
    }

    /**
     * Reads the bytes {@code [start, end)} of a plain stderr log, which must begin and end at message
     * boundaries ({@link #messageBoundary}); line numbers count from {@code start}.
     */
    public void readRange(Path file, long start, long end, Consumer<LogEntry> sink) {
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            ch.position(start);
            InputStream in = new BufferedInputStream(new BoundedInput(java.nio.channels.Channels.newInputStream(ch),
                    end - start), 1 << 16);
            if (start == 0) {
                stats.files.add(file.toString());
            }
            if (interesting instanceof KeywordFilter words) {
                stats.formats.add(LogFormat.STDERR);
                readStderrBytes(file.toString(), in, words, sink, start);
                return;
            }
            BoundedLineReader lines = lines(in);
            String first = lines.readLine();
            if (first != null) {
                stats.formats.add(LogFormat.STDERR);
                readStderr(file.toString(), first, lines, sink, start);
            }
        } catch (IOException e) {
            throw PitrException.usage("cannot read log file " + file + ": " + e.getMessage());
        }
    }

    /**
     * The first offset at or after {@code from} where a stderr message starts: just after a newline that is
     * not followed by a tab (PostgreSQL indents the continuation lines of a message with one).
     */
    public static long messageBoundary(Path file, long from) throws IOException {
        if (from == 0) {
            return 0;
        }
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            long size = ch.size();
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16);
            long pos = from - 1;
            boolean afterNewline = false;
            while (pos < size) {
                buf.clear();
                int n = ch.read(buf, pos);
                if (n <= 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    byte b = buf.get(i);
                    if (afterNewline && b != '\t') {
                        return pos + i;
                    }
                    afterNewline = b == '\n';
                }
                pos += n;
            }
            return size;
        }
    }

    /** A decompressing stream, buffered (its offsets are not the file's, so it is never split). */
    private static final class Decompressed extends BufferedInputStream {
        Decompressed(InputStream in) {
            super(in, 1 << 16);
        }
    }

    /** At most {@code limit} bytes of a stream. */
    private static final class BoundedInput extends java.io.FilterInputStream {
        private long left;

        BoundedInput(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    /** Reads one log from a stream; {@code fileName} only serves format detection, {@code where} messages. */
    public void read(String fileName, String where, InputStream raw, Consumer<LogEntry> sink) throws IOException {
        stats.files.add(where);
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(PEEK);
        BoundedLineReader lines = lines(in);
        String first = lines.readLine();
        if (first == null) {
            return;
        }
        boolean firstTruncated = lines.lastTruncated();
        LogFormat format = forcedFormat.orElseGet(() -> detect(fileName, where, first));
        stats.formats.add(format);
        if (format == LogFormat.STDERR && interesting instanceof KeywordFilter words && rewind(in)) {
            readStderrBytes(where, in, words, sink, 0);
            return;
        }
        if (firstTruncated) {
            stats.truncated++;
        }
        switch (format) {
            case STDERR -> readStderr(where, first, lines, sink, 0);
            case SYSLOG -> readSyslog(where, first, lines, sink);
            case CSVLOG -> readCsv(where, first, lines, sink);
            case JSONLOG, CNPG_JSON, JOURNAL_JSON, DOCKER_JSON -> readJson(format, where, first, lines, sink);
        }
    }

    /** The first lines of messages in a log (envelopes removed), to detect or check its log_line_prefix. */
    public record Sample(LogFormat format, List<String> heads, boolean plain) {
    }

    /** Reads up to {@code maxLines} lines of {@code file}: its format, and the message lines a prefix must read. */
    public static Sample sample(Path file, Optional<LogFormat> forced, int maxLines) {
        List<String> heads = new ArrayList<>();
        try (InputStream raw = open(file)) {
            BoundedLineReader lines = lines(raw);
            String first = lines.readLine();
            boolean plain = raw.getClass() == BufferedInputStream.class; // not decompressed: its offsets are the file's
            if (first == null) {
                return new Sample(forced.orElse(LogFormat.STDERR), heads, plain);
            }
            LogFormat format = forced.orElseGet(() -> detect(file.getFileName().toString(), file.toString(), first));
            if (!format.usesPrefix()) {
                return new Sample(format, heads, plain);
            }
            int n = 0;
            for (String line = first; line != null && n < maxLines; line = lines.readLine(), n++) {
                String body = switch (format) {
                    case SYSLOG -> SyslogEnvelope.parse(line, 0).filter(e -> !e.continuation()).map(SyslogEnvelope::body)
                            .orElse(line);
                    case JOURNAL_JSON -> jsonField(line, "MESSAGE").map(m -> SyslogEnvelope.ofBody(null, true, null, m))
                            .filter(e -> !e.continuation()).map(SyslogEnvelope::body).orElse("");
                    case DOCKER_JSON -> jsonField(line, "log").map(String::stripTrailing).orElse("");
                    default -> line;
                };
                if (!body.startsWith("\t") && body.contains(":  ") && !looksBinary(body)) {
                    heads.add(body);
                }
            }
            return new Sample(format, heads, plain);
        } catch (IOException e) {
            throw PitrException.usage("cannot read log file " + file + ": " + e.getMessage());
        }
    }

    private static Optional<String> jsonField(String line, String field) {
        try {
            JsonNode n = Json.mapper().readTree(line);
            return n != null && n.path(field).isTextual() ? Optional.of(n.get(field).asText()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static BoundedLineReader lines(InputStream raw) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        return new BoundedLineReader(new InputStreamReader(raw, decoder), MAX_LINE);
    }

    private static LogFormat detect(String fileName, String where, String first) {
        if (looksBinary(first)) {
            throw unsupported(where, "binary data");
        }
        return LogFormat.detect(fileName, first).orElseThrow(() -> unsupported(where, "JSON that is neither jsonlog,"
                + " CloudNativePG, journald nor a container log"));
    }

    static PitrException unsupported(String where, String what) {
        return PitrException.usage("log file " + where + " is not a log pitr reads (" + what + "): pitr reads stderr,"
                + " csvlog and jsonlog logs, syslog/journald/container logs of them, plain or .gz/.zst/.bz2/.xz");
    }

    /** Opens a log, decompressing by content (rotated files are not always named after their compression). */
    static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(8);
        byte[] magic = in.readNBytes(6);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new GZIPInputStream(in, 1 << 16);
        }
        if (magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            return new ZstdInputStream(in);
        }
        if (magic.length >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
            return new Decompressed(new BZip2CompressorInputStream(in, true));
        }
        if (magic.length >= 6 && (magic[0] & 0xff) == 0xfd && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X'
                && magic[4] == 'Z' && magic[5] == 0) {
            return new Decompressed(new XZCompressorInputStream(in, true));
        }
        if (magic.length >= 4 && (magic[0] == 'P' && magic[1] == 'K' || (magic[0] & 0xff) == 0x04 && magic[1] == 0x22
                || magic[0] == '7' && magic[1] == 'z')) {
            in.close();
            throw unsupported(file.toString(), "a zip, lz4 or 7z archive: unpack it first");
        }
        return in;
    }

    private String next(BoundedLineReader lines) throws IOException {
        String l = lines.readLine();
        if (l != null) {
            stats.lines++;
            if (lines.lastTruncated()) {
                stats.truncated++;
            }
        }
        return l;
    }

    // ---- stderr, and stderr inside syslog / journald / container envelopes ----

    /** Joins a message's physical lines and parses it only when it may matter. */
    private final class Assembler {
        private final String file;
        private final Consumer<LogEntry> sink;
        private String head;
        private long headLine;
        private long headOffset;
        private Integer headPid;
        private Supplier<Optional<LogTime.Parsed>> received;
        private final StringBuilder continuation = new StringBuilder();
        private boolean judged; // the byte path already passed the open message through the keyword filter

        Assembler(String file, Consumer<LogEntry> sink) {
            this.file = file;
            this.sink = sink;
        }

        boolean open() {
            return head != null;
        }

        void head(String line, long lineNo, long offset, Integer envelopePid,
                  Supplier<Optional<LogTime.Parsed>> receivedAt) {
            flush();
            head = line;
            headLine = lineNo;
            headOffset = offset;
            headPid = envelopePid;
            received = receivedAt;
            judged = false;
            continuation.setLength(0);
        }

        void judged() {
            judged = true;
        }

        void continuation(String text) {
            if (continuation.length() + text.length() < MAX_LINE) {
                continuation.append('\n').append(text);
            }
        }

        /**
         * Whether the message may be wanted, judged before the prefix regex (the costly part of a message that
         * passed the word filter): when the head line has one {@code ":  "} only, the regex can split it nowhere
         * else, so the severity spelled before it and the text after it are what the regex would give.
         */
        private boolean mayBeWanted(String h) {
            int separator = h.indexOf(":  ");
            if (separator < 0 || h.indexOf(":  ", separator + 1) >= 0) {
                return true;
            }
            Optional<Severity> severity = messages.severityBefore(h, separator);
            if (severity.isEmpty()) {
                return true;
            }
            String message = h.substring(separator + 3);
            return wanted.test(severity.get(), continuation.length() == 0 ? message : message + continuation);
        }

        void flush() {
            if (head == null) {
                return;
            }
            String h = head;
            head = null;
            stats.entries++;
            String text = continuation.length() == 0 ? h : h + continuation;
            if (!judged && !interesting.test(text)) {
                return;
            }
            if (!mayBeWanted(h)) {
                return;
            }
            Optional<Matcher> matched = prefix.match(h);
            if (matched.isEmpty()) {
                stats.skipped++;
                return;
            }
            Matcher m = matched.get();
            Severity severity = messages.english(m.group("sev"));
            String message = continuation.length() == 0 ? m.group("msg") : m.group("msg") + continuation;
            if (!wanted.test(severity, message)) {
                return;
            }
            Optional<LogTime.Parsed> time = Optional.empty();
            String timeText = null;
            LogEntry.Clock clock = LogEntry.Clock.SERVER;
            String ts = prefix.group(m, "ts");
            String epoch = prefix.group(m, "epoch");
            if (ts != null) {
                timeText = ts;
                time = LogTime.parse(timeText, zone);
            } else if (epoch != null) {
                timeText = epoch;
                time = LogTime.parseEpoch(timeText);
            } else if (received != null) {
                time = received.get();
                timeText = time.map(t -> t.instant().toString()).orElse(null);
                clock = LogEntry.Clock.RECEIVER;
            }
            if (timeText != null && time.isEmpty()) {
                stats.skipped++;
                return;
            }
            Integer pid = parseInt(prefix.group(m, "pid"));
            sink.accept(new LogEntry(time.map(LogTime.Parsed::instant).orElse(null), timeText,
                    time.map(LogTime.Parsed::precision).orElse(null), prefix.group(m, "db"), prefix.group(m, "user"),
                    pid != null ? pid : headPid, prefix.group(m, "session"), parseLong(prefix.group(m, "xid")),
                    severity, message, null, file, headLine, clock, headOffset));
        }
    }

    /** How far a stream is kept for reading it again once its format is known from the first line. */
    private static final int PEEK = 4 << 20;

    private static boolean rewind(BufferedInputStream in) {
        try {
            in.reset();
            return true;
        } catch (IOException firstLineTooLong) {
            return false; // read on as text
        }
    }

    /**
     * Plain stderr read as bytes: each message is judged by the keyword filter on its raw bytes and decoded
     * only when it passes, so the messages that do not matter (nearly all of a large log) make no strings.
     * What it counts and yields is what {@link #readStderr} does with the decoded text.
     */
    private void readStderrBytes(String file, InputStream in, KeywordFilter words, Consumer<LogEntry> sink, long base)
            throws IOException {
        new ByteMessages(new Assembler(file, sink), words, base).read(in);
    }

    /**
     * The message being gathered by {@link #readStderrBytes}. Its words are looked for line by line as the
     * lines arrive; a one-line message (nearly all) stays where it was read and is copied only if it continues.
     */
    private final class ByteMessages {
        private final Assembler assembler;
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

        ByteMessages(Assembler assembler, KeywordFilter words, long base) {
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
                byte[] last = java.util.Arrays.copyOf(carry, carried);
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
            int room = MAX_LINE - carried;
            int take = Math.min(room, to - from);
            if (carry.length < carried + take) {
                carry = java.util.Arrays.copyOf(carry, Math.max(carry.length * 2, carried + take));
            }
            System.arraycopy(buf, from, carry, carried, take);
            carried += take;
            if (take < to - from) {
                skippingRest = true; // BoundedLineReader keeps MAX_LINE of a longer line, and so do we
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
            boolean truncated = to - from > MAX_LINE;
            line(buf, from, truncated ? from + MAX_LINE : to, offset, truncated);
        }

        private void line(byte[] b, int from, int to, long offset, boolean truncated) {
            lineNo++;
            stats.lines++;
            if (truncated) {
                stats.truncated++;
            }
            if (to > from && b[to - 1] == '\r') {
                to--;
            }
            if (open && to > from && b[from] == '\t') {
                continuation(b, from + 1, to);
                return;
            }
            int separator = prefix.separatorAt(b, from, to);
            if (separator == LogLinePrefix.UNDECIDED) {
                separator = prefix.mayStart(decode(b, from, to)) ? ByteSearch.separator(b, from, to)
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
                stats.skipped++;
            }
        }

        private void continuation(byte[] b, int from, int to) {
            if (continuationBytes + (to - from) + 1 >= MAX_LINE) {
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
            return end <= to && java.util.Arrays.equals(b, at, end, word, 0, word.length);
        }

        private static final byte[] STATEMENT = "statement: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private static final byte[] DURATION = "duration: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private static final byte[] MS_STATEMENT = " ms  statement: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

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
                message = java.util.Arrays.copyOf(message, Math.max(message.length * 2, length + len));
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
                stats.entries++;
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
                    return looksBinary(decode(b, from, to)); // the rare line that needs the text's judgement
                }
            }
            return false;
        }
    }

    private static final byte[] NEWLINE = {'\n'};
    /** Bytes of lines {@link ByteMessages} reads a call. */
    private static final int SLICE = 32 << 10;

    private static String decode(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.UTF_8);
    }

    private void readStderr(String file, String first, BoundedLineReader lines, Consumer<LogEntry> sink, long base)
            throws IOException {
        stats.lines++;
        Assembler a = new Assembler(file, sink);
        long lineNo = 0;
        for (String line = first; line != null; line = next(lines)) {
            lineNo++;
            plainLine(a, line, lineNo, base + lines.lastStart(), null, null);
        }
        a.flush();
    }

    private void plainLine(Assembler a, String line, long lineNo, long offset, Integer pid,
                           Supplier<Optional<LogTime.Parsed>> at) {
        if (a.open() && line.startsWith("\t")) {
            // continuation lines of a multi-line message start with a tab (PostgreSQL's append_with_tabs)
            a.continuation(line.substring(1));
        } else if (prefix.mayStart(line)) {
            a.head(line, lineNo, offset, pid, at);
        } else if (a.open() && !looksBinary(line)) {
            a.continuation(line);
        } else {
            stats.skipped++;
        }
    }

    private void readSyslog(String file, String first, BoundedLineReader lines, Consumer<LogEntry> sink) throws IOException {
        stats.lines++;
        Assembler a = new Assembler(file, sink);
        long lineNo = 0;
        for (String line = first; line != null; line = next(lines)) {
            lineNo++;
            Optional<SyslogEnvelope> env = SyslogEnvelope.parse(line, 0);
            if (env.isEmpty()) {
                plainLine(a, line, lineNo, lines.lastStart(), null, null);
                continue;
            }
            SyslogEnvelope e = env.get();
            long at = lineNo;
            enveloped(a, e, lineNo, lines.lastStart(), () -> {
                if (!e.stampHasZone() && zone.logTimezone().isEmpty()) { // asked only when the prefix has no time
                    throw PitrException.usage(file + " line " + at + ": syslog's time stamp '" + e.stamp() + "' has"
                            + " no zone (a syslog daemon stamps in its own local time) and log_line_prefix prints no time:"
                            + " give the zone with --log-timezone (or log-timezone in pitr.yaml)");
                }
                return e.time(year, zone.logTimezone());
            });
        }
        a.flush();
    }

    private void enveloped(Assembler a, SyslogEnvelope e, long lineNo, long offset, Supplier<Optional<LogTime.Parsed>> at) {
        if (e.continuation() && a.open()) {
            // PostgreSQL sends each line of a multi-line message to syslog as its own numbered chunk
            a.continuation(e.body().startsWith("\t") ? e.body().substring(1) : e.body());
        } else {
            plainLine(a, e.body(), lineNo, offset, e.pid(), at);
        }
    }

    // ---- csvlog ----

    private void readCsv(String file, String first, BoundedLineReader lines, Consumer<LogEntry> sink) throws IOException {
        stats.lines++;
        long lineNo = 0;
        long recordLine = 1;
        StringBuilder record = new StringBuilder();
        for (String line = first; line != null; line = next(lines)) {
            lineNo++;
            if (record.length() > 0) {
                record.append('\n');
            } else {
                recordLine = lineNo;
            }
            record.append(line);
            if (!interesting.test(record.toString()) && !record.isEmpty() && balancedQuotes(record)) {
                stats.entries++;
                record.setLength(0);
                continue;
            }
            List<String> fields = CsvRecord.split(record);
            if (fields == null) { // open quote: the record continues on the next line, within bounds
                if (record.length() > MAX_LINE) {
                    stats.skipped++;
                    record.setLength(0);
                }
                continue;
            }
            record.setLength(0);
            if (fields.size() < 14) {
                stats.skipped++;
                continue;
            }
            Severity severity = messages.english(fields.get(11));
            if (!wanted.test(severity, fields.get(13))) {
                stats.entries++;
                continue;
            }
            Optional<LogTime.Parsed> t = LogTime.parse(fields.get(0), zone);
            if (t.isEmpty()) {
                stats.skipped++;
                continue;
            }
            stats.entries++;
            sink.accept(new LogEntry(t.get().instant(), fields.get(0), t.get().precision(), emptyToNull(fields.get(2)),
                    emptyToNull(fields.get(1)), parseInt(fields.get(3)), emptyToNull(fields.get(5)), parseLong(fields.get(10)),
                    severity, fields.get(13), fields.size() > 19 ? emptyToNull(fields.get(19)) : null,
                    file, recordLine));
        }
        if (record.length() > 0) {
            stats.skipped++;
        }
    }

    // ---- JSON lines: jsonlog, CloudNativePG, journald, docker ----

    private void readJson(LogFormat format, String file, String first, BoundedLineReader lines, Consumer<LogEntry> sink)
            throws IOException {
        stats.lines++;
        long lineNo = 0;
        Assembler a = new Assembler(file, sink);
        for (String line = first; line != null; line = next(lines)) {
            lineNo++;
            if (!interesting.test(line) && format != LogFormat.JOURNAL_JSON && format != LogFormat.DOCKER_JSON) {
                stats.entries++;
                continue;
            }
            JsonNode n;
            try {
                n = Json.mapper().readTree(line);
            } catch (IOException e) {
                stats.skipped++;
                continue;
            }
            if (n == null || !n.isObject()) {
                stats.skipped++;
                continue;
            }
            switch (format) {
                case JSONLOG -> jsonlog(n, n, file, lineNo, sink, "timestamp", "dbname", "user", "pid", "session_id", "txid",
                        "statement");
                case CNPG_JSON -> {
                    if (n.path("record").isObject()) {
                        jsonlog(n.get("record"), n, file, lineNo, sink, "log_time", "database_name", "user_name", "process_id",
                                "session_id", "transaction_id", "query");
                    } else {
                        stats.entries++; // the operator's own messages: read, nothing of PostgreSQL's in them
                    }
                }
                case JOURNAL_JSON -> {
                    String msg = n.path("MESSAGE").isTextual() ? n.get("MESSAGE").asText() : null;
                    if (msg == null) {
                        stats.skipped++;
                        continue;
                    }
                    Integer pid = parseInt(text(n, "_PID"));
                    String micros = text(n, "__REALTIME_TIMESTAMP");
                    Supplier<Optional<LogTime.Parsed>> at = () -> Optional.ofNullable(parseLong(micros)).map(us ->
                            new LogTime.Parsed(Instant.EPOCH.plusNanos(us * 1000), LogTime.Precision.MICROS));
                    enveloped(a, SyslogEnvelope.ofBody(null, true, pid, msg), lineNo, lines.lastStart(), at);
                }
                case DOCKER_JSON -> {
                    String log = n.path("log").asText("");
                    if (log.endsWith("\n")) {
                        log = log.substring(0, log.length() - 1);
                    }
                    String time = text(n, "time");
                    plainLine(a, log, lineNo, lines.lastStart(), null,
                            () -> time == null ? Optional.empty() : SyslogEnvelope.isoTime(time));
                }
                default -> throw new IllegalStateException(format.name());
            }
        }
        a.flush();
    }

    private void jsonlog(JsonNode n, JsonNode outer, String file, long lineNo, Consumer<LogEntry> sink, String time,
                         String db, String user, String pid, String session, String xid, String query) {
        Severity severity = messages.english(n.path("error_severity").asText(""));
        if (!wanted.test(severity, n.path("message").asText(""))) {
            stats.entries++;
            return;
        }
        String ts = n.path(time).asText("");
        Optional<LogTime.Parsed> t = LogTime.parse(ts, zone);
        if (t.isEmpty()) {
            stats.skipped++;
            return;
        }
        stats.entries++;
        sink.accept(new LogEntry(t.get().instant(), ts, t.get().precision(), text(n, db), text(n, user),
                parseInt(text(n, pid)), text(n, session), parseLong(text(n, xid)),
                severity, n.path("message").asText(""), text(n, query),
                file, lineNo));
    }

    static boolean looksBinary(String line) {
        int bad = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\uFFFD' || (c < 0x20 && c != '\t')) {
                bad++;
            }
        }
        return bad > 0 && bad * 10 >= line.length() / 10 + 1;
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? emptyToNull(n.get(field).asText()) : null;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static Integer parseInt(String s) {
        try {
            return s == null ? null : Integer.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Long parseLong(String s) {
        try {
            return s == null || s.isBlank() ? null : Long.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean balancedQuotes(CharSequence s) {
        int quotes = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '"') {
                quotes++;
            }
        }
        return quotes % 2 == 0;
    }

    /** Minimal RFC 4180 splitting with a bound, so a broken quote costs one record, not the rest of the file. */
    public static final class CsvRecord {
        private CsvRecord() {
        }

        /** The fields, or null when a quoted field is still open at the end of the text. */
        public static List<String> split(CharSequence s) {
            List<String> out = new ArrayList<>(26);
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (quoted) {
                    if (c == '"') {
                        if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        field.append(c);
                    }
                } else if (c == '"') {
                    quoted = true;
                } else if (c == ',') {
                    out.add(field.toString());
                    field.setLength(0);
                } else {
                    field.append(c);
                }
            }
            if (quoted) {
                return null;
            }
            out.add(field.toString());
            return out;
        }
    }
}
