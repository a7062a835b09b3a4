package dev.pitr.core;

import java.time.Duration;
import java.util.Locale;

/**
 * How far a long copy has got, in MiB: the share of an estimate (never past 100%: an estimate overrun says so
 * and drops the ETA), the rate so far and the time left at that rate. Locale-independent.
 */
public final class ProgressFigures {
    private static final double MIB = 1048576.0;

    private ProgressFigures() {
    }

    /** {@code expected}: the estimate, 0 when there is none. */
    public static String of(long done, long expected, Duration elapsed) {
        double seconds = elapsed.toNanos() / 1e9;
        String rate = seconds >= 0.5 ? String.format(Locale.ROOT, ", %.0f MiB/s", done / MIB / seconds) : "";
        if (expected <= 0) {
            return String.format(Locale.ROOT, "%.0f MiB%s", done / MIB, rate);
        }
        if (done > expected) {
            return String.format(Locale.ROOT, "%.0f MiB (past the estimate of ~%.0f MiB)%s", done / MIB,
                    expected / MIB, rate);
        }
        String left = "";
        if (seconds >= 0.5 && done > 0) {
            long eta = Math.round((expected - done) * seconds / done);
            left = ", ~" + (eta >= 120 ? eta / 60 + " min" : eta + " s") + " left";
        }
        return String.format(Locale.ROOT, "%.0f of ~%.0f MiB (%d%%)%s%s", done / MIB, expected / MIB,
                done * 100 / expected, rate, left);
    }
}
