package dev.pitr.target.log;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The envelope a log receiver puts around PostgreSQL's line: rsyslog's traditional
 * ({@code Dec  1 15:33:55 host postgres[42]: }) and RFC 3339 formats, journalctl's short-iso, and the CRI
 * container log format. Inside it, {@code [SEQ-CHUNK] } numbers the messages PostgreSQL sent to syslog.
 */
record SyslogEnvelope(String stamp, boolean stampHasZone, Integer pid, Integer seq, Integer chunk, String body) {
    private static final Pattern TRADITIONAL = Pattern.compile(
            "^(?<stamp>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \\d]\\d \\d\\d:\\d\\d:\\d\\d) \\S+ [^\\s\\[:]+(?:\\[(?<pid>\\d+)\\])?: (?<rest>.*)$",
            Pattern.DOTALL);
    private static final String ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d{1,9})?(?:Z|[+-]\\d\\d:?\\d\\d)";
    private static final Pattern RFC3339 = Pattern.compile(
            "^(?<stamp>" + ISO + ") \\S+ [^\\s\\[:]+(?:\\[(?<pid>\\d+)\\])?: (?<rest>.*)$", Pattern.DOTALL);
    private static final Pattern CRI = Pattern.compile("^(?<stamp>" + ISO + ") (?:stdout|stderr) [FP] (?<rest>.*)$",
            Pattern.DOTALL);
    private static final Pattern SEQUENCE = Pattern.compile("^\\[(\\d+)-(\\d+)\\] ?(.*)$", Pattern.DOTALL);
    private static final DateTimeFormatter TRADITIONAL_TIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .appendPattern("MMM ppd HH:mm:ss").parseDefaulting(ChronoField.YEAR, 2000).toFormatter(Locale.ENGLISH);
    private static final DateTimeFormatter ISO_TIME = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd'T'HH:mm:ss").optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
            .optionalEnd().appendOffset("+HH:MM", "Z").toFormatter();

    /** The envelope of {@code line}, if it has one. {@code maxLen} bounds the work on a line that has none. */
    static Optional<SyslogEnvelope> parse(String line, int maxLen) {
        if (line.isEmpty() || line.length() > maxLen && maxLen > 0) {
            return Optional.empty();
        }
        char c = line.charAt(0);
        Matcher m;
        boolean zone;
        if (c >= 'A' && c <= 'Z') {
            m = TRADITIONAL.matcher(line);
            zone = false;
        } else if (c >= '0' && c <= '9' && line.length() > 20 && line.charAt(10) == 'T') {
            m = RFC3339.matcher(line);
            if (!m.matches()) {
                m = CRI.matcher(line);
            }
            zone = true;
        } else {
            return Optional.empty();
        }
        if (!m.matches()) {
            return Optional.empty();
        }
        String pid = m.pattern() == CRI ? null : m.group("pid");
        return Optional.of(ofBody(m.group("stamp"), zone, pid == null ? null : Integer.valueOf(pid), m.group("rest")));
    }

    /** A message as journald or a receiver hands it over, with its {@code [SEQ-CHUNK] } numbering if any. */
    static SyslogEnvelope ofBody(String stamp, boolean stampHasZone, Integer pid, String rest) {
        Matcher s = SEQUENCE.matcher(rest);
        if (s.matches()) {
            return new SyslogEnvelope(stamp, stampHasZone, pid, Integer.valueOf(s.group(1)), Integer.valueOf(s.group(2)),
                    unescape(s.group(3)));
        }
        return new SyslogEnvelope(stamp, stampHasZone, pid, null, null, unescape(rest));
    }

    /** An RFC 3339 time as receivers stamp it ({@code 2026-12-01T15:33:55.526123456Z}). */
    static Optional<LogTime.Parsed> isoTime(String stamp) {
        return new SyslogEnvelope(stamp, true, null, null, null, "").time(0, Optional.empty());
    }

    /** rsyslog writes control characters as {@code #011} (a tab): the continuation marker PostgreSQL used. */
    private static String unescape(String body) {
        return body.indexOf("#011") < 0 ? body : body.replace("#011", "\t");
    }

    boolean continuation() {
        return chunk != null && chunk > 1;
    }

    /** When the receiver stamped it; a traditional stamp has neither year nor zone, so both are given. */
    Optional<LogTime.Parsed> time(int year, Optional<ZoneId> zone) {
        if (stamp == null) {
            return Optional.empty();
        }
        try {
            if (stampHasZone) {
                String s = stamp.replaceFirst("([+-]\\d\\d)(\\d\\d)$", "$1:$2");
                Instant i = OffsetDateTime.parse(s, ISO_TIME).toInstant();
                return Optional.of(new LogTime.Parsed(i, LogTime.precisionOf(s.replaceFirst("(Z|[+-]\\d\\d:\\d\\d)$", ""))));
            }
            if (zone.isEmpty()) {
                return Optional.empty();
            }
            LocalDateTime ldt = LocalDateTime.parse(stamp, TRADITIONAL_TIME).withYear(year);
            return Optional.of(new LogTime.Parsed(ldt.atZone(zone.get()).toInstant(), LogTime.Precision.SECONDS));
        } catch (java.time.DateTimeException e) {
            return Optional.empty();
        }
    }
}
