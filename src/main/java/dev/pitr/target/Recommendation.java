package dev.pitr.target;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.pitr.wal.PinnedTransaction;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The recovery target pitr recommends for a candidate: just before the suspect transaction's commit when its
 * xid is known (from the log or the WAL), before its first WAL record when asked, otherwise the statement's
 * start time, exclusive — with how much else may be lost. {@code pinned} is what the WAL showed;
 * {@code notPinned} says why the WAL could not pin it, when it was asked and could not.
 */
public record Recommendation(Kind kind, Long xid, Instant time, boolean inclusive, String precisionWindow,
                             String reason, Map<String, String> settings, Optional<PinnedTransaction> pinned,
                             Optional<String> notPinned) {
    /** The recovery target setting it uses. */
    public enum Kind {
        TIME, XID, LSN;

        @JsonValue
        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Recommendation(Kind kind, Long xid, Instant time, boolean inclusive, String precisionWindow, String reason,
                          Map<String, String> settings) {
        this(kind, xid, time, inclusive, precisionWindow, reason, settings, Optional.empty(), Optional.empty());
    }

    /** The same target, with why the WAL could not sharpen it. */
    Recommendation notPinnedBecause(String why) {
        return new Recommendation(kind, xid, time, inclusive, precisionWindow, reason + "; the WAL could not pin the"
                + " transaction: " + why, settings, pinned, Optional.of(why));
    }

    public String configLines() {
        StringBuilder sb = new StringBuilder();
        settings.forEach((k, v) -> sb.append(k).append(" = '").append(v).append("'\n"));
        return sb.toString();
    }
}
