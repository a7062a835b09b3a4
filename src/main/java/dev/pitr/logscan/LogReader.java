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

    public LogReader(Optional<LogFormat> forcedFormat, LogLinePrefix prefix, Optional<ZoneId> logZone, ScanStats stats) {
        this.forcedFormat = forcedFormat;
        this.prefix = prefix;
        this.logZone = logZone;
        this.stats = stats;
    }

    public void read(Path file, Consumer<LogEntry> sink) {
        stats.files.add(file.toString());
        try (InputStream raw = open(file)) {
            var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
            BoundedLineReader lines = new BoundedLineReader(new InputStreamReader(raw, decoder), MAX_LINE);
            String first = lines.readLine();
            if (first == null) {
                return;
            }
            LogFormat format = forcedFormat.orElse(LogFormat.detect(file.getFileName().toString(), first));
            switch (format) {
                case STDERR -> readStderr(file.toString(), first, lines, sink);
                case CSVLOG -> readCsv(file.toString(), first, lines, sink);
                case JSONLOG -> readJson(file.toString(), first, lines, sink);
            }
        } catch (IOException e) {
            throw PitrException.usage("cannot read log file " + file + ": " + e.getMessage());
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
        LogEntry pending = null;
        StringBuilder msg = new StringBuilder();
        long lineNo = 0;
        for (String line = first; line != null; line = next(lines)) {
            lineNo++;
            Matcher m = line.indexOf(':') > 0 ? prefix.pattern().matcher(line) : null;
            LogEntry head = m != null && m.matches() ? stderrHead(m, file, lineNo) : null;
            if (head != null) {
                emit(pending, msg, sink);
                pending = head;
                msg.setLength(0);
                msg.append(m.group("msg"));
            } else if (pending != null && !looksBinary(line)) {
                // continuation lines of a multi-line message start with a tab (PostgreSQL's append_with_tabs)
                msg.append('\n').append(line.startsWith("\t") ? line.substring(1) : line);
            } else {
                stats.skipped++;
            }
        }
        emit(pending, msg, sink);
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

    private void emit(LogEntry pending, StringBuilder msg, Consumer<LogEntry> sink) {
        if (pending != null) {
            stats.entries++;
            sink.accept(new LogEntry(pending.time(), pending.timeText(), pending.precision(), pending.database(),
                    pending.user(), pending.pid(), pending.session(), pending.xid(), pending.severity(),
                    msg.toString(), null, pending.file(), pending.line()));
        }
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
