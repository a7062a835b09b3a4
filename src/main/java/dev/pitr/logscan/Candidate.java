package dev.pitr.logscan;

import java.time.Instant;
import java.util.List;

/** A logged statement that may be the mistake, with why it ranks where it does. */
public record Candidate(Instant time, String timeText, LogTime.Precision precision, String database, String user,
                        Integer pid, String session, Long xid, String sql, String kind, List<String> objects,
                        boolean failed, int score, String location) {
    Candidate markFailed() {
        return new Candidate(time, timeText, precision, database, user, pid, session, xid, sql, kind, objects, true,
                score - 200, location);
    }
}
