package dev.pitr.target;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.pitr.target.log.LogMessages;
import dev.pitr.target.sql.DestructiveStatement;
import dev.pitr.wal.Lsn;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How a candidate's time follows from what was read: the facts, kept as values (the recommendation's precision
 * is worked out from them), and the sentence that states them to the operator (its JSON form too).
 */
public sealed interface Basis permits Basis.Logged, Basis.NoTime, Basis.FromWal, Basis.Unstated {
    /** The sentence an operator reads. */
    String describe();

    /** The line was written after the statement ended (log_min_duration_statement): its duration comes off. */
    default boolean afterDuration() {
        return false;
    }

    /** The time is a log receiver's (syslog, journald, a container runtime), later than PostgreSQL's own. */
    default boolean receiverClock() {
        return false;
    }

    /**
     * A logged statement: the time its line carries, whether it was logged at its start or after it ended
     * (and how long it ran), whose clock stamped it, and the kind of statement when it ran inside a DO block.
     */
    record Logged(String timeText, LogMessages.Logged logged, Optional<Duration> ran, boolean receiverClock,
                  Optional<DestructiveStatement.Kind> inBlock) implements Basis {
        @Override
        public boolean afterDuration() {
            return logged == LogMessages.Logged.AFTER_DURATION;
        }

        @JsonValue
        @Override
        public String describe() {
            StringBuilder b = new StringBuilder();
            if (afterDuration()) {
                b.append("logged at ").append(timeText).append(" when it ended, after running ")
                        .append(ran.map(d -> d.toNanos() / 1_000_000.0 + " ms").orElse("?"))
                        .append(" (log_min_duration_statement), so it started at or after that time minus the duration");
            } else {
                b.append("logged at ").append(timeText).append(" when it started (log_statement)");
            }
            if (receiverClock) {
                b.append("; the time is the log receiver's, so ").append(TargetFinder.RECEIVER_MARGIN.toSeconds())
                        .append(" s more is taken off");
            }
            inBlock.ifPresent(kind -> b.append("; the ").append(kind).append(" runs inside a DO block (written in its body"
                    + " or in a string it EXECUTEs), in the block's transaction"));
            return b.toString();
        }
    }

    /** The line carries no time at all. */
    record NoTime() implements Basis {
        @JsonValue
        @Override
        public String describe() {
            return "the log gives no time for this statement (log_line_prefix without %m/%t/%n)";
        }
    }

    /** Found in the archived WAL alone: the transaction's commit record, and the table's files that led to it. */
    record FromWal(Instant commitTime, Lsn commitLsn, String files) implements Basis {
        @JsonValue
        @Override
        public String describe() {
            return "committed " + commitTime + " (its commit record, " + commitLsn + "); found in the archived WAL by the"
                    + " table's files " + files;
        }
    }

    /** Nothing to say (a statement kept only to line the WAL up with the log). */
    record Unstated() implements Basis {
        @JsonValue
        @Override
        public String describe() {
            return "";
        }
    }
}
