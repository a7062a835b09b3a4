package dev.pitr.wal;

import dev.pitr.core.PitrException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A WAL location as PostgreSQL prints it: {@code 16/B374D848}. Compared unsigned. */
public record Lsn(long value) implements Comparable<Lsn> {
    private static final Pattern FORMAT = Pattern.compile("([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})");

    @com.fasterxml.jackson.annotation.JsonCreator
    public static Lsn parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw PitrException.usage("LSN '" + text + "' is not of the form X/Y in hex (e.g. 0/3000028)");
        }
        return new Lsn((Long.parseLong(m.group(1), 16) << 32) | Long.parseLong(m.group(2), 16));
    }

    public long segmentNumber(int segmentSize) {
        return Long.divideUnsigned(value, segmentSize);
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    @com.fasterxml.jackson.annotation.JsonValue
    public String toString() {
        return String.format("%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}
