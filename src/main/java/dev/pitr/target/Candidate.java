package dev.pitr.target;

import dev.pitr.target.log.LogTime;
import dev.pitr.target.sql.DestructiveStatement;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A logged statement that may be the mistake, with why it ranks where it does: what it did, when, whose it
 * was, what became of it, its score and where it stands. Its JSON is flat (one object, as {@code --json}
 * always printed it).
 */
@JsonPropertyOrder({"time", "time_text", "precision", "database", "user", "pid", "session", "xid", "sql", "kind", "objects",
        "outcome", "score", "logged_at", "basis", "location", "failed", "rolled_back"})
public record Candidate(@JsonIgnore What what, @JsonIgnore When when, @JsonIgnore Who who, Outcome outcome, int score,
                        @JsonIgnore Place place) {
    /** The statement: its SQL, the kind of destruction it is, and every object it destroys. */
    public record What(String sql, DestructiveStatement.Kind kind, List<String> objects) {
    }

    /**
     * When: {@code time} is the earliest instant the statement can have started (what a target must not pass),
     * {@code loggedAt} the time its line carries, and {@code basis} how one follows from the other.
     */
    public record When(Instant time, String timeText, LogTime.Precision precision, Instant loggedAt, Basis basis) {
    }

    /** Whose it was: the database, user, server process, session and transaction the log names (null: not named). */
    public record Who(String database, String user, Integer pid, String session, Long xid) {
    }

    @JsonProperty("time")
    public Instant time() {
        return when.time();
    }

    @JsonProperty("time_text")
    public String timeText() {
        return when.timeText();
    }

    @JsonProperty("precision")
    public LogTime.Precision precision() {
        return when.precision();
    }

    @JsonProperty("logged_at")
    public Instant loggedAt() {
        return when.loggedAt();
    }

    @JsonProperty("basis")
    public Basis basis() {
        return when.basis();
    }

    @JsonProperty("database")
    public String database() {
        return who.database();
    }

    @JsonProperty("user")
    public String user() {
        return who.user();
    }

    @JsonProperty("pid")
    public Integer pid() {
        return who.pid();
    }

    @JsonProperty("session")
    public String session() {
        return who.session();
    }

    @JsonProperty("xid")
    public Long xid() {
        return who.xid();
    }

    @JsonProperty("sql")
    public String sql() {
        return what.sql();
    }

    @JsonProperty("kind")
    public DestructiveStatement.Kind kind() {
        return what.kind();
    }

    @JsonProperty("objects")
    public List<String> objects() {
        return what.objects();
    }

    /** What the log shows became of the statement. Only positive evidence sets it aside. */
    public enum Outcome {
        /** Nothing in the log says it did not commit: it may have destroyed data. */
        MAY_HAVE_COMMITTED(""),
        FAILED("FAILED, did not commit"),
        ROLLED_BACK_BY_SESSION("ROLLED BACK by a later statement of its session"),
        ROLLED_BACK_IN_QUERY("ROLLED BACK by its own query string");

        private final String setAsideBecause;

        Outcome(String setAsideBecause) {
            this.setAsideBecause = setAsideBecause;
        }

        /** Why a candidate with this outcome is set aside (empty for one that may have committed). */
        public String setAsideBecause() {
            return setAsideBecause;
        }
    }

    /** Where a statement stands: {@code file:line}, its byte offset (-1 when unknown), its index in its query string. */
    public record Place(String location, long offset, int statement) {
        String file() {
            return location.substring(0, location.lastIndexOf(':'));
        }

        long line() {
            return Long.parseLong(location.substring(location.lastIndexOf(':') + 1));
        }
    }

    /** Statements set aside rank below every one that may have committed. */
    private static final int SET_ASIDE_PENALTY = 200;

    Candidate settle(Outcome undone) {
        return new Candidate(what, when, who, undone, score - (outcome == Outcome.MAY_HAVE_COMMITTED ? SET_ASIDE_PENALTY : 0),
                place);
    }

    Candidate markFailed() {
        return settle(Outcome.FAILED);
    }

    @JsonProperty("location")
    public String location() {
        return place.location();
    }

    long offset() {
        return place.offset();
    }

    /** Neither failed nor rolled back: it may have destroyed data. */
    public boolean committed() {
        return outcome == Outcome.MAY_HAVE_COMMITTED;
    }

    @JsonProperty("failed")
    public boolean failed() {
        return outcome == Outcome.FAILED;
    }

    @JsonProperty("rolled_back")
    public boolean rolledBack() {
        return outcome == Outcome.ROLLED_BACK_BY_SESSION || outcome == Outcome.ROLLED_BACK_IN_QUERY;
    }

    /** The same statement read from another destination (stderr, csvlog and jsonlog of one server). */
    boolean sameStatementAs(Candidate o) {
        return sql().equals(o.sql()) && Objects.equals(pid(), o.pid()) && loggedAt() != null && o.loggedAt() != null
                && Math.abs(loggedAt().toEpochMilli() - o.loggedAt().toEpochMilli()) < 1000;
    }
}
