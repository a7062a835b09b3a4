package dev.pitr.logscan;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * PostgreSQL log timestamps ({@code 2026-03-25 14:14:02.123 CET}): the zone is an abbreviation or a numeric
 * offset. With the server's log_timezone known, the local time is placed in that zone and the abbreviation
 * picks the side of a DST change; without it, common abbreviations map to their offsets.
 */
public final class LogTime {
    public enum Precision {
        MILLIS(1), SECONDS(1000);

        private final long millis;

        Precision(long millis) {
            this.millis = millis;
        }

        public long millis() {
            return millis;
        }
    }

    /** A parsed time and how finely it was printed. */
    public record Parsed(Instant instant, Precision precision) {
    }

    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSS][.SS][.S]");
    private static final Map<String, String> ABBREVIATIONS = Map.ofEntries(
            Map.entry("UTC", "Z"), Map.entry("GMT", "Z"), Map.entry("Z", "Z"), Map.entry("WET", "Z"),
            Map.entry("WEST", "+01:00"), Map.entry("BST", "+01:00"), Map.entry("CET", "+01:00"),
            Map.entry("CEST", "+02:00"), Map.entry("MET", "+01:00"), Map.entry("MEST", "+02:00"),
            Map.entry("EET", "+02:00"), Map.entry("EEST", "+03:00"), Map.entry("MSK", "+03:00"),
            Map.entry("EST", "-05:00"), Map.entry("EDT", "-04:00"), Map.entry("CST", "-06:00"),
            Map.entry("CDT", "-05:00"), Map.entry("MST", "-07:00"), Map.entry("MDT", "-06:00"),
            Map.entry("PST", "-08:00"), Map.entry("PDT", "-07:00"), Map.entry("AKST", "-09:00"),
            Map.entry("AKDT", "-08:00"), Map.entry("HST", "-10:00"), Map.entry("JST", "+09:00"),
            Map.entry("KST", "+09:00"), Map.entry("AEST", "+10:00"), Map.entry("AEDT", "+11:00"),
            Map.entry("ACST", "+09:30"), Map.entry("AWST", "+08:00"), Map.entry("NZST", "+12:00"),
            Map.entry("NZDT", "+13:00"), Map.entry("SGT", "+08:00"), Map.entry("HKT", "+08:00"));

    private LogTime() {
    }

    /** Parses {@code date time zone}; empty when the text is not a log timestamp. */
    public static Optional<Parsed> parse(String text, Optional<ZoneId> logZone) {
        String t = text.trim();
        int space = t.lastIndexOf(' ');
        if (space < 19) {
            return Optional.empty();
        }
        String local = t.substring(0, space);
        String zone = t.substring(space + 1);
        LocalDateTime ldt;
        try {
            ldt = LocalDateTime.parse(local, LOCAL);
        } catch (java.time.DateTimeException e) {
            return Optional.empty();
        }
        Precision precision = local.length() > 19 ? Precision.MILLIS : Precision.SECONDS;
        return resolve(ldt, zone, logZone).map(i -> new Parsed(i, precision));
    }

    /** Parses {@code %n}: seconds since the epoch with milliseconds. */
    public static Optional<Parsed> parseEpoch(String text) {
        try {
            long ms = Math.round(Double.parseDouble(text) * 1000);
            return Optional.of(new Parsed(Instant.ofEpochMilli(ms), Precision.MILLIS));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Instant> resolve(LocalDateTime ldt, String zone, Optional<ZoneId> logZone) {
        if (zone.matches("[+-]\\d{2}(:?\\d{2})?")) {
            String z = zone.length() == 3 ? zone + ":00" : zone.length() == 5 ? zone.substring(0, 3) + ":" + zone.substring(3) : zone;
            return Optional.of(ldt.atOffset(ZoneOffset.of(z)).toInstant());
        }
        if (logZone.isPresent()) {
            ZoneId id = logZone.get();
            ZonedDateTime earlier = ldt.atZone(id).withEarlierOffsetAtOverlap();
            ZonedDateTime later = ldt.atZone(id).withLaterOffsetAtOverlap();
            // in the repeated hour of a DST change, the abbreviation (CEST vs CET) says which one it was
            boolean laterMatches = abbreviation(later).equalsIgnoreCase(zone);
            return Optional.of((laterMatches ? later : earlier).toInstant());
        }
        String offset = ABBREVIATIONS.get(zone.toUpperCase(Locale.ROOT));
        if (offset != null) {
            return Optional.of(ldt.atOffset(ZoneOffset.of(offset)).toInstant());
        }
        try {
            return Optional.of(ldt.atZone(ZoneId.of(zone)).toInstant());
        } catch (java.time.DateTimeException e) {
            return Optional.empty();
        }
    }

    private static String abbreviation(ZonedDateTime t) {
        boolean dst = t.getZone().getRules().isDaylightSavings(t.toInstant());
        return java.util.TimeZone.getTimeZone(t.getZone()).getDisplayName(dst, java.util.TimeZone.SHORT, Locale.ROOT);
    }

}
