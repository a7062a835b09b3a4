package dev.pitr.target.log;

import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;

/**
 * Joins a stderr-style message's physical lines (its first line, then tab-indented continuations) and parses
 * it only when it may matter: the same for a plain stderr log and for stderr inside syslog, journald and
 * container envelopes, whose readers hand it the message lines with the envelope's pid and time.
 */
final class MessageAssembler {
    private final ScanContext scan;
    private final String file;
    private final Consumer<LogEntry> sink;
    private String head;
    private long headLine;
    private long headOffset;
    private Integer headPid;
    private Supplier<Optional<LogTime.Parsed>> received;
    private final StringBuilder continuation = new StringBuilder();
    private boolean judged; // the byte path already passed the open message through the word filter

    MessageAssembler(ScanContext scan, String file, Consumer<LogEntry> sink) {
        this.scan = scan;
        this.file = file;
        this.sink = sink;
    }

    /**
     * One line of a log of messages: a tab-indented continuation of the open message, the first line of a new
     * one, a continuation without the tab, or (outside any message, or binary) skipped.
     */
    void line(String line, long lineNo, long offset, Integer pid, Supplier<Optional<LogTime.Parsed>> at) {
        if (open() && line.startsWith("\t")) {
            // continuation lines of a multi-line message start with a tab (PostgreSQL's append_with_tabs)
            continuation(line.substring(1));
        } else if (scan.prefix.mayStart(line)) {
            head(line, lineNo, offset, pid, at);
        } else if (open() && !LogFiles.looksBinary(line)) {
            continuation(line);
        } else {
            scan.stats.skipped++;
        }
    }

    /** A message line inside an envelope: a numbered chunk continues the open message (syslog splits them). */
    void enveloped(SyslogEnvelope e, long lineNo, long offset, Supplier<Optional<LogTime.Parsed>> at) {
        if (e.continuation() && open()) {
            // PostgreSQL sends each line of a multi-line message to syslog as its own numbered chunk
            continuation(e.body().startsWith("\t") ? e.body().substring(1) : e.body());
        } else {
            line(e.body(), lineNo, offset, e.pid(), at);
        }
    }

    /** What a reader does with one line of its log, numbered from 1. */
    interface LineReader {
        void line(String line, long lineNo);
    }

    /** Every line from {@code first} on through {@code reader} (counted), then the last message flushed. */
    void readAll(String first, BoundedLineReader lines, LineReader reader) throws java.io.IOException {
        scan.stats.lines++;
        long lineNo = 0;
        for (String line = first; line != null; line = scan.next(lines)) {
            reader.line(line, ++lineNo);
        }
        flush();
    }

    boolean open() {
        return head != null;
    }

    void head(String line, long lineNo, long offset, Integer envelopePid, Supplier<Optional<LogTime.Parsed>> receivedAt) {
        flush();
        head = line;
        headLine = lineNo;
        headOffset = offset;
        headPid = envelopePid;
        received = receivedAt;
        judged = false;
        continuation.setLength(0);
    }

    /** The open message passed the word filter already (on its raw bytes). */
    void judged() {
        judged = true;
    }

    void continuation(String text) {
        if (continuation.length() + text.length() < LogFiles.MAX_LINE) {
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
        Optional<Severity> severity = scan.messages.severityBefore(h, separator);
        if (severity.isEmpty()) {
            return true;
        }
        String message = h.substring(separator + 3);
        return scan.keep.test(severity.get(), continuation.length() == 0 ? message : message + continuation);
    }

    /** The open message as an entry, when it passes the filters and its prefix and time read. */
    void flush() {
        if (head == null) {
            return;
        }
        String h = head;
        head = null;
        scan.stats.entries++;
        String text = continuation.length() == 0 ? h : h + continuation;
        if (!judged && !scan.filter.test(text)) {
            return;
        }
        if (!mayBeWanted(h)) {
            return;
        }
        Optional<Matcher> matched = scan.prefix.match(h);
        if (matched.isEmpty()) {
            scan.stats.skipped++;
            return;
        }
        Matcher m = matched.get();
        Severity severity = scan.messages.english(m.group("sev"));
        String message = continuation.length() == 0 ? m.group("msg") : m.group("msg") + continuation;
        if (!scan.keep.test(severity, message)) {
            return;
        }
        Optional<LogTime.Parsed> time = Optional.empty();
        String timeText = null;
        LogEntry.Clock clock = LogEntry.Clock.SERVER;
        String ts = scan.prefix.group(m, "ts");
        String epoch = scan.prefix.group(m, "epoch");
        if (ts != null) {
            timeText = ts;
            time = LogTime.parse(timeText, scan.zone);
        } else if (epoch != null) {
            timeText = epoch;
            time = LogTime.parseEpoch(timeText);
        } else if (received != null) {
            time = received.get();
            timeText = time.map(t -> t.instant().toString()).orElse(null);
            clock = LogEntry.Clock.RECEIVER;
        }
        if (timeText != null && time.isEmpty()) {
            scan.stats.skipped++;
            return;
        }
        Integer pid = ScanContext.parseInt(scan.prefix.group(m, "pid"));
        sink.accept(new LogEntry(time.map(LogTime.Parsed::instant).orElse(null), timeText,
                time.map(LogTime.Parsed::precision).orElse(null), scan.prefix.group(m, "db"), scan.prefix.group(m, "user"),
                pid != null ? pid : headPid, scan.prefix.group(m, "session"), ScanContext.parseLong(scan.prefix.group(m, "xid")),
                severity, message, null, file, headLine, clock, headOffset));
    }
}
