package dev.pitr.target.log;

import dev.pitr.core.PitrException;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * How a scan turns the zone printed in a log line into an instant. What the line states itself wins: a
 * numeric offset or an abbreviation with one meaning is read as printed, whatever {@code --log-timezone}
 * says (a disagreement is warned about once). An ambiguous abbreviation (CST, IST, BST, ...) is read in
 * the server's log_timezone when it is known, and refused otherwise: a guess here moves the target by hours.
 */
public final class LogZone {
    private static final java.util.regex.Pattern ZONE_NAME = java.util.regex.Pattern.compile("[A-Za-z][A-Za-z_/+-]{0,31}");
    private final Optional<ZoneId> logTimezone;
    private final String source;
    private final Consumer<String> warnings;
    private final Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** {@code source} says where the zone came from ("--log-timezone", "the server's log_timezone", ...). */
    public LogZone(Optional<ZoneId> logTimezone, String source, Consumer<String> warnings) {
        this.logTimezone = logTimezone;
        this.source = source;
        this.warnings = warnings;
    }

    public static LogZone of(Optional<ZoneId> logTimezone) {
        return new LogZone(logTimezone, "--log-timezone", w -> { });
    }

    /** The same zone rules, reporting to {@code sink} (a scan's warnings). */
    public LogZone withWarnings(Consumer<String> sink) {
        return new LogZone(logTimezone, source, sink);
    }

    /** How times are read, for the line pitr prints before a scan. */
    public String describe() {
        return logTimezone.map(z -> "zone " + z + " (" + source + ") for abbreviations the log does not resolve itself;"
                + " offsets and unambiguous abbreviations as printed")
                .orElse("zone as each line prints it (offsets and unambiguous abbreviations; an ambiguous one needs"
                        + " --log-timezone)");
    }

    public Optional<ZoneId> logTimezone() {
        return logTimezone;
    }

    /** The instant, or empty when {@code zone} is not a zone at all (the text was not a timestamp). */
    Optional<Instant> resolve(LocalDateTime ldt, String zone) {
        Optional<ZoneOffset> numeric = LogTime.numericOffset(zone);
        if (numeric.isPresent()) {
            Instant i = ldt.atOffset(numeric.get()).toInstant();
            checkAgainstConfigured(zone, i, numeric.get());
            return Optional.of(i);
        }
        if (!ZONE_NAME.matcher(zone).matches()) {
            return Optional.empty();
        }
        Optional<ZoneAbbreviations.Meaning> meaning = ZoneAbbreviations.lookup(zone);
        if (meaning.isPresent() && !meaning.get().ambiguous()) {
            Instant i = ldt.atOffset(meaning.get().onlyOffset()).toInstant();
            checkAgainstConfigured(zone, i, meaning.get().onlyOffset());
            return Optional.of(i);
        }
        if (logTimezone.isPresent()) {
            return Optional.of(inConfigured(ldt, zone, meaning));
        }
        if (meaning.isPresent()) {
            throw PitrException.usage("the log's time zone '" + zone + "' is ambiguous: it is " + meaning.get().describe()
                    + "; pass --log-timezone with the server's log_timezone (e.g. --log-timezone "
                    + meaning.get().zonesByOffset().values().iterator().next().get(0) + ")");
        }
        try {
            return Optional.of(ldt.atZone(ZoneId.of(zone)).toInstant());
        } catch (java.time.DateTimeException e) {
            throw PitrException.usage("the log's time zone '" + zone + "' is not one pitr knows: pass --log-timezone"
                    + " with the server's log_timezone (SHOW log_timezone), e.g. --log-timezone Europe/Berlin");
        }
    }

    private Instant inConfigured(LocalDateTime ldt, String zone, Optional<ZoneAbbreviations.Meaning> meaning) {
        ZoneId id = logTimezone.get();
        ZonedDateTime earlier = ldt.atZone(id).withEarlierOffsetAtOverlap();
        ZonedDateTime later = ldt.atZone(id).withLaterOffsetAtOverlap();
        // in the repeated hour of a DST change, the abbreviation (CEST vs CET) says which one it was
        ZonedDateTime chosen = ZoneAbbreviations.abbreviationAt(later).equalsIgnoreCase(zone) ? later : earlier;
        if (meaning.isPresent() && !meaning.get().zonesByOffset().containsKey(chosen.getOffset())) {
            throw PitrException.usage("the log's time zone '" + zone + "' means " + meaning.get().describe() + ", but "
                    + source + " " + id + " is " + chosen.getOffset().getId() + " then: pass the server's log_timezone");
        }
        if (meaning.isEmpty()) {
            warnOnce("zone:" + zone, "the log's time zone '" + zone + "' is unknown to pitr: read in " + source + " " + id);
        }
        return chosen.toInstant();
    }

    private void checkAgainstConfigured(String zone, Instant i, ZoneOffset printed) {
        if (logTimezone.isEmpty()) {
            return;
        }
        ZoneOffset configured = logTimezone.get().getRules().getOffset(i);
        if (!configured.equals(printed)) {
            warnOnce("offset:" + zone, "the log states its zone '" + zone + "' (" + printed.getId() + "), which is not "
                    + source + " " + logTimezone.get() + " (" + configured.getId() + "): the log's own zone is used");
        }
    }

    private void warnOnce(String key, String message) {
        if (warned.add(key)) {
            warnings.accept(message);
        }
    }
}
