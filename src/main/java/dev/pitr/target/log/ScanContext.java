package dev.pitr.target.log;

import java.io.IOException;
import java.util.function.BiPredicate;

/**
 * What every format reader of one scan shares: the prefix and zone it reads with, what it counts, the two
 * filters (the raw text's, then the severity and message once split), and the year syslog's stamps omit.
 */
final class ScanContext {
    final LogLinePrefix prefix;
    final LogZone zone;
    final ScanStats stats;
    final MessageFilter filter;
    final BiPredicate<Severity, String> keep;
    final int year;
    final LogMessages messages = LogMessages.standard();

    ScanContext(LogLinePrefix prefix, LogZone zone, ScanStats stats, MessageFilter filter, BiPredicate<Severity, String> keep,
                int year) {
        this.prefix = prefix;
        this.zone = zone;
        this.stats = stats;
        this.filter = filter;
        this.keep = keep;
        this.year = year;
    }

    /** The next line, counted (and counted as truncated when it was). */
    String next(BoundedLineReader lines) throws IOException {
        String l = lines.readLine();
        if (l != null) {
            stats.lines++;
            if (lines.lastTruncated()) {
                stats.truncated++;
            }
        }
        return l;
    }

    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static Integer parseInt(String s) {
        try {
            return s == null ? null : Integer.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Long parseLong(String s) {
        try {
            return s == null || s.isBlank() ? null : Long.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
