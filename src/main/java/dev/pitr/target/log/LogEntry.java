package dev.pitr.target.log;

import java.time.Instant;

/**
 * One log message (continuation lines joined), with whatever the format told about its origin. The severity
 * is in English whatever {@code lc_messages} was; {@code clock} says who stamped the time; {@code offset} is
 * about where the message starts in its (uncompressed) file, -1 where unknown.
 */
public record LogEntry(Instant time, String timeText, LogTime.Precision precision, String database, String user,
                       Integer pid, String session, Long xid, Severity severity, String message, String query,
                       String file, long line, Clock clock, long offset) {
    /** Who wrote the time: PostgreSQL itself, or a log receiver (syslog, journald, a container runtime) later. */
    public enum Clock { SERVER, RECEIVER }

    /** The same entry {@code lines} further down its file (a chunk read on its own counts from its start). */
    public LogEntry shifted(long lines) {
        return lines == 0 ? this : new LogEntry(time, timeText, precision, database, user, pid, session, xid, severity,
                message, query, file, line + lines, clock, offset);
    }

    public LogEntry(Instant time, String timeText, LogTime.Precision precision, String database, String user,
                    Integer pid, String session, Long xid, Severity severity, String message, String query,
                    String file, long line) {
        this(time, timeText, precision, database, user, pid, session, xid, severity, message, query, file, line,
                Clock.SERVER, -1);
    }
}
