package dev.pitr.logscan;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.ZstdInputStream;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.zip.GZIPInputStream;

/**
 * Reads PostgreSQL log files (plain, .gz, .zst) in any of the three formats into {@link LogEntry}s. Garbage,
 * binary junk, invalid UTF-8 and over-long lines are counted in {@link ScanStats} and skipped, never fatal.
 */
public final class LogReader {
    static final int MAX_LINE = 1 << 20;

    private final Optional<LogFormat> forcedFormat;
    private final LogLinePrefix prefix;
    private final Optional<ZoneId> logZone;
    private final ScanStats stats;
    private final java.util.function.Predicate<String> interesting;

    /**
     * {@code interesting} sees each message's raw text before anything is parsed: messages it rejects cost
     * only the line split, which is what makes a multi-gigabyte scan fast.
     */
    public LogReader(Optional<LogFormat> forcedFormat, LogLinePrefix prefix, Optional<ZoneId> logZone, ScanStats stats,
                     java.util.function.Predicate<String> interesting) {
        this.forcedFormat = forcedFormat;
        this.prefix = prefix;
        this.logZone = logZone;
        this.stats = stats;
        this.interesting = interesting;
    }

    public LogReader(Optional<LogFormat> forcedFormat, LogLinePrefix prefix, Optional<ZoneId> logZone, ScanStats stats) {
        this(forcedFormat, prefix, logZone, stats, text -> true);
    }

    public void read(Path file, Consumer<LogEntry> sink) {
        try (InputStream raw = open(file)) {
            read(file.getFileName().toString(), file.toString(), raw, sink);
        } catch (IOException e) {
            throw PitrException.usage("cannot read log file " + file + ": " + e.getMessage());
        }
    }

    /** Reads one log from a stream; {@code fileName} only serves format detection, {@code where} messages. */
    public void read(String fileName, String where, InputStream raw, Consumer<LogEntry> sink) throws IOException {
        stats.files.add(where);
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        BoundedLineReader lines = new BoundedLineReader(new InputStreamReader(raw, decoder), MAX_LINE);
        String first = lines.readLine();
        if (first == null) {
            return;
        }
        if (lines.lastTruncated()) {
            stats.truncated++;
        }
        LogFormat format = forcedFormat.orElse(LogFormat.detect(fileName, first));
        switch (format) {
            case STDERR -> readStderr(where, first, lines, sink);
            case CSVLOG -> readCsv(where, first, lines, sink);
            case JSONLOG -> readJson(where, first, lines, sink);
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        String name = file.getFileName().toString();
        if (name.endsWith(".gz")) {
            return new GZIPInputStream(in, 1 << 16);
        }
        if (name.endsWith(".zst")) {
            return new ZstdInputStream(in);
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

    // ---- stderr ----

    private void readStderr(String file, String first, BoundedLineReader lines, Consumer<LogEntry> sink) throws IOException {
        stats.lines++;
        String head = null;
        long headLine = 0;
        StringBuilder continuation = new StringBuilder();
        long lineNo = 0;
        for (String line = first; line != null; line = next(lines)) {
            lineNo++;
            if (head != null && line.startsWith("\t")) {
                // continuation lines of a multi-line message start with a tab (PostgreSQL's append_with_tabs)
                continuation.append('\n').append(line, 1, line.length());
            } else if (prefix.mayStart(line)) {
                flushStderr(head, continuation, file, headLine, sink);
                head = line;
                headLine = lineNo;
                continuation.setLength(0);
            } else if (head != null && !looksBinary(line)) {
                continuation.append('\n').append(line);
            } else {
                stats.skipped++;
            }
        }
        flushStderr(head, continuation, file, headLine, sink);
    }

    /** Parses a message only when it may matter: the full prefix regex and time parse are the expensive part. */
    private void flushStderr(String head, CharSequence continuation, String file, long lineNo, Consumer<LogEntry> sink) {
        if (head == null) {
            return;
        }
        stats.entries++;
        String text = continuation.length() == 0 ? head : head + continuation;
        if (!interesting.test(text)) {
            return;
        }
        Optional<Matcher> matched = prefix.match(head);
        LogEntry e = matched.map(m -> stderrHead(m, file, lineNo)).orElse(null);
        if (e == null) {
            stats.skipped++;
            return;
        }
        Matcher m = matched.get();
        sink.accept(new LogEntry(e.time(), e.timeText(), e.precision(), e.database(), e.user(), e.pid(), e.session(),
                e.xid(), e.severity(), m.group("msg") + continuation, null, file, lineNo));
    }

    private LogEntry stderrHead(Matcher m, String file, long lineNo) {
        Optional<LogTime.Parsed> time = Optional.empty();
        String timeText = null;
        if (hasGroup(m, "ts") && m.group("ts") != null) {
            timeText = m.group("ts");
            time = LogTime.parse(timeText, logZone);
        } else if (hasGroup(m, "epoch") && m.group("epoch") != null) {
            timeText = m.group("epoch");
            time = LogTime.parseEpoch(timeText);
        }
        if (timeText != null && time.isEmpty()) {
            return null;
        }
        return new LogEntry(time.map(LogTime.Parsed::instant).orElse(null), timeText,
                time.map(LogTime.Parsed::precision).orElse(null), groupOrNull(m, "db"), groupOrNull(m, "user"),
                parseInt(groupOrNull(m, "pid")), groupOrNull(m, "session"), parseLong(groupOrNull(m, "xid")),
                m.group("sev"), "", null, file, lineNo);
    }

    private static boolean hasGroup(Matcher m, String name) {
        return m.pattern().pattern().contains("(?<" + name + ">");
    }

    private static String groupOrNull(Matcher m, String name) {
        if (!hasGroup(m, name)) {
            return null;
        }
        String v = m.group(name);
        return v == null || v.isEmpty() || v.equals("[unknown]") ? null : v;
    }

    private static boolean looksBinary(String line) {
        int bad = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\uFFFD' || (c < 0x20 && c != '\t')) {
                bad++;
            }
        }
        return bad > 0 && bad * 10 >= line.length() / 10 + 1;
    }

    // ---- csvlog ----

    private void readCsv(String file, String first, BoundedLineReader lines, Consumer<LogEntry> sink) throws IOException {
        stats.lines++;
        long lineNo = 0;
        StringBuilder record = new StringBuilder();
        for (String line = first; line != null; line = next(lines)) {
            lineNo++;
            if (record.length() > 0) {
                record.append('\n');
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
            Optional<LogTime.Parsed> t = LogTime.parse(fields.get(0), logZone);
            if (t.isEmpty()) {
                stats.skipped++;
                continue;
            }
            stats.entries++;
            sink.accept(new LogEntry(t.get().instant(), fields.get(0), t.get().precision(), emptyToNull(fields.get(2)),
                    emptyToNull(fields.get(1)), parseInt(fields.get(3)), emptyToNull(fields.get(5)), parseLong(fields.get(10)),
                    fields.get(11), fields.get(13), fields.size() > 19 ? emptyToNull(fields.get(19)) : null, file, lineNo));
        }
        if (record.length() > 0) {
            stats.skipped++;
        }
    }

    // ---- jsonlog ----

    private void readJson(String file, String first, BoundedLineReader lines, Consumer<LogEntry> sink) throws IOException {
        stats.lines++;
        long lineNo = 0;
        for (String line = first; line != null; line = next(lines)) {
            lineNo++;
            if (!interesting.test(line)) {
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
            Optional<LogTime.Parsed> t = n == null ? Optional.empty() : LogTime.parse(n.path("timestamp").asText(""), logZone);
            if (t.isEmpty()) {
                stats.skipped++;
                continue;
            }
            stats.entries++;
            sink.accept(new LogEntry(t.get().instant(), n.path("timestamp").asText(), t.get().precision(),
                    text(n, "dbname"), text(n, "user"), n.has("pid") ? n.get("pid").asInt() : null,
                    text(n, "session_id"), n.has("txid") ? n.get("txid").asLong() : null,
                    n.path("error_severity").asText(""), n.path("message").asText(""), text(n, "statement"), file, lineNo));
        }
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
    static final class CsvRecord {
        private CsvRecord() {
        }

        /** The fields, or null when a quoted field is still open at the end of the text. */
        static List<String> split(CharSequence s) {
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
