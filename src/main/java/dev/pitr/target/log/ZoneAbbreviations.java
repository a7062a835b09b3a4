package dev.pitr.target.log;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which UTC offsets a zone abbreviation printed by PostgreSQL ({@code %m}, {@code %t}) can stand for, taken
 * from the JDK's zone data rather than a hand-written table: {@code CST} is China, Cuba and US Central,
 * {@code IST} is India, Ireland and Israel. An abbreviation with one offset is read as printed; one with
 * several needs the server's log_timezone.
 */
public final class ZoneAbbreviations {
    /** What an abbreviation means: its offsets, and for each a few zones that print it (for messages). */
    public record Meaning(String abbreviation, Map<ZoneOffset, List<String>> zonesByOffset) {
        public boolean ambiguous() {
            return zonesByOffset.size() > 1;
        }

        public ZoneOffset onlyOffset() {
            return zonesByOffset.keySet().iterator().next();
        }

        /** "+08:00 (Asia/Shanghai), -06:00 (America/Chicago), ...": what an operator picks from. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            zonesByOffset.forEach((off, zones) -> sb.append(sb.length() == 0 ? "" : ", ").append(off.getId())
                    .append(" (").append(String.join(", ", zones)).append(')'));
            return sb.toString();
        }
    }


    private static final DateTimeFormatter SHORT = DateTimeFormatter.ofPattern("zzz", Locale.ENGLISH);
    private static final Set<String> WELL_KNOWN = Set.copyOf(ZoneId.SHORT_IDS.values());
    /** Built on first use: reading every zone's names costs 140 ms, a quarter of a scan's start. */
    private static final class Table {
        static final Map<String, Meaning> MEANINGS = build();
    }

    /** What servers logging in UTC print: one offset by definition, so no zone data is read for it. */
    private static final Set<String> UNIVERSAL = Set.of("UTC", "GMT", "Z");

    private ZoneAbbreviations() {
    }

    public static Optional<Meaning> lookup(String abbreviation) {
        String upper = abbreviation.toUpperCase(Locale.ROOT);
        if (UNIVERSAL.contains(upper)) {
            return Optional.of(new Meaning(upper, Map.of(ZoneOffset.UTC, List.of(upper))));
        }
        return Optional.ofNullable(Table.MEANINGS.get(upper));
    }

    /** The meaning the JDK's zone data gives (what {@link #lookup} answers for all but UTC, GMT and Z). */
    static Optional<Meaning> fromZoneData(String abbreviation) {
        return Optional.ofNullable(Table.MEANINGS.get(abbreviation.toUpperCase(Locale.ROOT)));
    }

    /** The abbreviation a zone prints at an instant (what PostgreSQL's %z-less timestamps carry). */
    public static String abbreviationAt(ZonedDateTime t) {
        return SHORT.format(t);
    }


    private static Map<String, Meaning> build() {
        Map<String, Map<ZoneOffset, Set<String>>> seen = new TreeMap<>();
        int year = ZonedDateTime.now(ZoneOffset.UTC).getYear();
        for (String id : ZoneId.getAvailableZoneIds()) {
            if (!id.contains("/") || id.startsWith("Etc/") || id.startsWith("SystemV/")) {
                continue; // legacy aliases (EST5EDT, Etc/GMT+3) add no meaning, only noise in messages
            }
            ZoneId zone = ZoneId.of(id);
            // winter and summer of this year and the last: both offsets of every zone that changes
            for (int y = year - 1; y <= year; y++) {
                for (int month : new int[]{1, 7}) {
                    ZonedDateTime t = ZonedDateTime.of(y, month, 15, 12, 0, 0, 0, zone);
                    String abbr = SHORT.format(t);
                    if (abbr.startsWith("GMT+") || abbr.startsWith("GMT-") || abbr.matches(".*\\d.*")) {
                        continue; // no abbreviation: PostgreSQL prints a numeric offset for such zones
                    }
                    seen.computeIfAbsent(abbr.toUpperCase(Locale.ROOT), k -> new TreeMap<>())
                            .computeIfAbsent(t.getOffset(), k -> new TreeSet<>()).add(id);
                }
            }
        }
        Map<String, Meaning> out = new TreeMap<>();
        seen.forEach((abbr, byOffset) -> {
            Map<ZoneOffset, List<String>> zones = new java.util.LinkedHashMap<>();
            byOffset.forEach((off, ids) -> zones.put(off, ids.stream().sorted(ZoneAbbreviations::preferCities)
                    .limit(3).toList()));
            out.put(abbr, new Meaning(abbr, Collections.unmodifiableMap(zones)));
        });
        // UTC and GMT are printed by servers whose log_timezone is UTC; the JDK lists them under Etc/ only
        Map<ZoneOffset, List<String>> utc = Map.of(ZoneOffset.UTC, List.of("UTC"));
        out.putIfAbsent("UTC", new Meaning("UTC", utc));
        out.putIfAbsent("GMT", new Meaning("GMT", utc));
        out.putIfAbsent("Z", new Meaning("Z", utc));
        return Collections.unmodifiableMap(out);
    }

    /** Area/City names first (what people set log_timezone to), the big areas before the small. */
    private static int preferCities(String a, String b) {
        int ra = rank(a);
        int rb = rank(b);
        return ra != rb ? Integer.compare(ra, rb) : a.compareTo(b);
    }

    private static int rank(String id) {
        if (WELL_KNOWN.contains(id)) {
            return -1; // Asia/Shanghai, Asia/Kolkata, America/Chicago: the zones the JDK itself names first
        }
        String[] major = {"America/", "Europe/", "Asia/", "Australia/", "Africa/", "Pacific/", "Atlantic/", "Indian/"};
        for (int i = 0; i < major.length; i++) {
            if (id.startsWith(major[i])) {
                return i;
            }
        }
        return major.length;
    }
}
