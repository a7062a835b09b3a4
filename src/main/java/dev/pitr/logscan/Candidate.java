package dev.pitr.logscan;

import java.time.Instant;
import java.util.List;

/**
 * A logged statement that may be the mistake, with why it ranks where it does. {@code time} is the earliest
 * instant the statement can have started (what a target must not pass); {@code loggedAt} is the time the line
 * carries, and {@code basis} says how one follows from the other.
 */
public record Candidate(Instant time, String timeText, LogTime.Precision precision, String database, String user,
                       Integer pid, String session, Long xid, String sql, DestructiveStatement.Kind kind, List<String> objects,
                       boolean failed, boolean rolledBack, int score, String location, Instant loggedAt,
                       String basis, @com.fasterxml.jackson.annotation.JsonIgnore long offset) {
    Candidate markFailed() {
        return new Candidate(time, timeText, precision, database, user, pid, session, xid, sql, kind, objects, true,
                rolledBack, score - 200, location, loggedAt, basis, offset);
    }

    /** Its session rolled the transaction back: it undid itself, so it ranks last. */
    Candidate markRolledBack() {
        return new Candidate(time, timeText, precision, database, user, pid, session, xid, sql, kind, objects, failed,
                true, score - 200, location, loggedAt, basis, offset);
    }

    /** Neither failed nor rolled back: it may have destroyed data. */
    public boolean committed() {
        return !failed && !rolledBack;
    }

    /** The same statement read from another destination (stderr, csvlog and jsonlog of one server). */
    boolean sameStatementAs(Candidate o) {
        return sql.equals(o.sql) && java.util.Objects.equals(pid, o.pid) && loggedAt != null && o.loggedAt != null
                && Math.abs(loggedAt.toEpochMilli() - o.loggedAt.toEpochMilli()) < 1000;
    }
}
