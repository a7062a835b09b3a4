package dev.pitr.target.log;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;

import java.util.Optional;
import java.util.regex.Pattern;

/** The log formats pitr reads: PostgreSQL's three destinations, and the envelopes other tools wrap them in. */
public enum LogFormat {
    /** log_destination = stderr (the logging collector's files, or pg_ctl -l). */
    STDERR,
    CSVLOG,
    JSONLOG,
    /** log_destination = syslog as rsyslog writes it, journalctl -o short-iso, or a container runtime's text log. */
    SYSLOG,
    /** journalctl -o json. */
    JOURNAL_JSON,
    /** CloudNativePG's JSON lines (csvlog fields under "record"). */
    CNPG_JSON,
    /** Docker's json-file log driver ({"log": ..., "stream": ..., "time": ...}). */
    DOCKER_JSON;

    /** Whether lines carry PostgreSQL's log_line_prefix (the other formats have fields instead). */
    public boolean usesPrefix() {
        return this == STDERR || this == SYSLOG || this == JOURNAL_JSON || this == DOCKER_JSON;
    }

    private static final Pattern CSV_START = Pattern.compile(
            "^\"?\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)? [A-Za-z0-9+:-]+\"?,.*");

    /**
     * The format of a log from its first line (the file name's extension decides when it is telling); empty
     * when it is no format pitr reads, so that it is refused by name rather than scanned as text.
     */
    public static Optional<LogFormat> detect(String fileName, String firstLine) {
        String name = fileName.replaceAll("\\.(gz|zst|bz2|xz)$", "");
        if (firstLine.startsWith("{")) {
            return json(firstLine);
        }
        if (name.endsWith(".json")) {
            return Optional.of(JSONLOG);
        }
        if (name.endsWith(".csv") || CSV_START.matcher(firstLine).matches()) {
            return Optional.of(CSVLOG);
        }
        if (SyslogEnvelope.parse(firstLine, 2000).isPresent()) {
            return Optional.of(SYSLOG);
        }
        return Optional.of(STDERR);
    }

    private static Optional<LogFormat> json(String line) {
        JsonNode n;
        try {
            n = Json.mapper().readTree(line);
        } catch (Exception e) {
            return Optional.of(JSONLOG); // a damaged first record: jsonlog counts and skips it
        }
        if (n == null || !n.isObject()) {
            return Optional.empty();
        }
        if (n.has("record") && n.get("record").isObject()) {
            return Optional.of(CNPG_JSON);
        }
        if (n.has("__REALTIME_TIMESTAMP") || n.has("MESSAGE")) {
            return Optional.of(JOURNAL_JSON);
        }
        if (n.has("log") && (n.has("stream") || n.has("time"))) {
            return Optional.of(DOCKER_JSON);
        }
        if (n.has("error_severity") || n.has("timestamp") && n.has("message")) {
            return Optional.of(JSONLOG);
        }
        if (n.has("level") || n.has("logger") || n.has("msg")) {
            return Optional.of(CNPG_JSON); // CloudNativePG's own (instance manager) lines come first in a pod log
        }
        return Optional.empty();
    }
}
