package dev.pitr.target.log;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Optional;

/**
 * PostgreSQL log timestamps ({@code 2026-03-25 14:14:02.123 CET}): the zone is an abbreviation or a numeric
 * offset, resolved by a {@link LogZone} (as printed when that is unambiguous, else with the server's
 * log_timezone, else refused).
 */
public final class LogTime {
    public enum Precision {
        MICROS(0), MILLIS(1), SECONDS(1000);

        private final long millis;

        Precision(long millis) {
            this.millis = millis;
        }

        /** The width of the window a printed time stands for (0 for microseconds: below what targets resolve). */
        public long millis() {
            return millis;
        }

        /** {@code t} rounded down to this precision: the earliest instant a time printed this way can mean. */
        public Instant floor(Instant t) {
            return switch (this) {
                case MICROS -> t.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
                case MILLIS -> t.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
                case SECONDS -> t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            };
        }
    }

    /** A parsed time and how finely it was printed. */
    public record Parsed(Instant instant, Precision precision) {
    }

    private static final DateTimeFormatter LOCAL = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd")
            .optionalStart().appendLiteral(' ').optionalEnd()
            .optionalStart().appendLiteral('T').optionalEnd()
            .appendPattern("HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
            .toFormatter();

    private LogTime() {
    }

    /** {@link #parse(String, LogZone)} with {@code --log-timezone} (or none). */
    public static Optional<Parsed> parse(String text, Optional<java.time.ZoneId> logTimezone) {
        return parse(text, LogZone.of(logTimezone));
    }

    /** Parses {@code date time zone}; empty when the text is not a log timestamp. Zone refusals throw. */
    public static Optional<Parsed> parse(String text, LogZone zones) {
        String t = text.trim();
        if (t.length() >= 2 && t.charAt(0) == '"' && t.charAt(t.length() - 1) == '"') {
            t = t.substring(1, t.length() - 1).trim(); // csvlog rewritten by tools that quote every field
        }
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
        return zones.resolve(ldt, zone).map(i -> new Parsed(i, precisionOf(local)));
    }

    /** How finely a local time text ({@code 14:14:02}, {@code .123}, {@code .123456}) was printed. */
    static Precision precisionOf(String local) {
        int dot = local.lastIndexOf('.');
        if (dot < 0 || dot < local.length() - 10) {
            return Precision.SECONDS;
        }
        return local.length() - dot - 1 > 3 ? Precision.MICROS : Precision.MILLIS;
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

    private static final java.util.regex.Pattern NUMERIC_OFFSET = java.util.regex.Pattern.compile("[+-]\\d{2}(:?\\d{2})?");

    /** A numeric offset as PostgreSQL and syslog print it: {@code +05}, {@code -0330}, {@code +05:30}. */
    static Optional<ZoneOffset> numericOffset(String zone) {
        if (!NUMERIC_OFFSET.matcher(zone).matches()) {
            return Optional.empty();
        }
        String z = zone.length() == 3 ? zone + ":00" : zone.length() == 5 ? zone.substring(0, 3) + ":" + zone.substring(3) : zone;
        return Optional.of(ZoneOffset.of(z));
    }
}
