package dev.pitr.logscan;

import java.time.Instant;

/** One log message (continuation lines joined), with whatever the format told about its origin. */
public record LogEntry(Instant time, String timeText, LogTime.Precision precision, String database, String user,
                       Integer pid, String session, Long xid, String severity, String message, String query,
                       String file, long line) {
}
