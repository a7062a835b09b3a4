package dev.pitr.logscan;

import java.time.Instant;
import java.util.Map;

/**
 * The recovery target pitr recommends for a candidate: the xid when the log knows it (exact), otherwise the
 * statement's printed start time, exclusive — with how much else may be lost inside the time's precision.
 */
public record Recommendation(String kind, Long xid, Instant time, boolean inclusive, String precisionWindow,
                             String reason, Map<String, String> settings) {
    public String configLines() {
        StringBuilder sb = new StringBuilder();
        settings.forEach((k, v) -> sb.append(k).append(" = '").append(v).append("'\n"));
        return sb.toString();
    }
}
