package dev.pitr.target.log;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One JSON document a line, in four dialects: PostgreSQL's jsonlog, CloudNativePG's (jsonlog under
 * {@code record}), journald's export ({@code MESSAGE} holds a stderr-style message) and a container runtime's
 * ({@code log} holds a stderr line).
 */
final class JsonLinesReader implements FormatReader {
    private final ScanContext scan;
    private final LogFormat format;

    JsonLinesReader(ScanContext scan, LogFormat format) {
        this.scan = scan;
        this.format = format;
    }

    @Override
    public void read(String file, String first, BoundedLineReader lines, Consumer<LogEntry> sink) throws IOException {
        scan.stats.lines++;
        long lineNo = 0;
        MessageAssembler messages = new MessageAssembler(scan, file, sink);
        boolean enveloped = format == LogFormat.JOURNAL_JSON || format == LogFormat.DOCKER_JSON;
        for (String line = first; line != null; line = scan.next(lines)) {
            lineNo++;
            if (!enveloped && !scan.filter.test(line)) {
                scan.stats.entries++;
                continue;
            }
            JsonNode n;
            try {
                n = Json.mapper().readTree(line);
            } catch (IOException e) {
                scan.stats.skipped++;
                continue;
            }
            if (n == null || !n.isObject()) {
                scan.stats.skipped++;
                continue;
            }
            switch (format) {
                case JSONLOG -> jsonlog(n, file, lineNo, sink, JSONLOG_FIELDS);
                case CNPG_JSON -> {
                    if (n.path("record").isObject()) {
                        jsonlog(n.get("record"), file, lineNo, sink, CNPG_FIELDS);
                    } else {
                        scan.stats.entries++; // the operator's own messages: read, nothing of PostgreSQL's in them
                    }
                }
                case JOURNAL_JSON -> {
                    String msg = n.path("MESSAGE").isTextual() ? n.get("MESSAGE").asText() : null;
                    if (msg == null) {
                        scan.stats.skipped++;
                        continue;
                    }
                    Integer pid = ScanContext.parseInt(text(n, "_PID"));
                    String micros = text(n, "__REALTIME_TIMESTAMP");
                    Supplier<Optional<LogTime.Parsed>> at = () -> Optional.ofNullable(ScanContext.parseLong(micros)).map(us ->
                            new LogTime.Parsed(Instant.EPOCH.plusNanos(us * 1000), LogTime.Precision.MICROS));
                    messages.enveloped(SyslogEnvelope.ofBody(null, true, pid, msg), lineNo, lines.lastStart(), at);
                }
                case DOCKER_JSON -> {
                    String log = n.path("log").asText("");
                    if (log.endsWith("\n")) {
                        log = log.substring(0, log.length() - 1);
                    }
                    String time = text(n, "time");
                    messages.line(log, lineNo, lines.lastStart(), null,
                            () -> time == null ? Optional.empty() : SyslogEnvelope.isoTime(time));
                }
                default -> throw new IllegalStateException(format.name());
            }
        }
        messages.flush();
    }

    /** Where a jsonlog dialect keeps each field. */
    private record Fields(String time, String db, String user, String pid, String session, String xid, String query) {
    }

    private static final Fields JSONLOG_FIELDS = new Fields("timestamp", "dbname", "user", "pid", "session_id", "txid",
            "statement");
    private static final Fields CNPG_FIELDS = new Fields("log_time", "database_name", "user_name", "process_id",
            "session_id", "transaction_id", "query");

    private void jsonlog(JsonNode n, String file, long lineNo, Consumer<LogEntry> sink, Fields f) {
        Severity severity = scan.messages.english(n.path("error_severity").asText(""));
        if (!scan.keep.test(severity, n.path("message").asText(""))) {
            scan.stats.entries++;
            return;
        }
        String ts = n.path(f.time()).asText("");
        Optional<LogTime.Parsed> t = LogTime.parse(ts, scan.zone);
        if (t.isEmpty()) {
            scan.stats.skipped++;
            return;
        }
        scan.stats.entries++;
        sink.accept(new LogEntry(t.get().instant(), ts, t.get().precision(), text(n, f.db()), text(n, f.user()),
                ScanContext.parseInt(text(n, f.pid())), text(n, f.session()), ScanContext.parseLong(text(n, f.xid())),
                severity, n.path("message").asText(""), text(n, f.query()), file, lineNo));
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? ScanContext.emptyToNull(n.get(field).asText()) : null;
    }
}
