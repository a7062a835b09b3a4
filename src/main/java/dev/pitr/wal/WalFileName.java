package dev.pitr.wal;

import dev.pitr.core.PitrException;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The kinds of file PostgreSQL hands to archive_command and asks restore_command for. */
public sealed interface WalFileName {
    String fileName();

    int timeline();

    /** The segment this file belongs to; empty for timeline history files. */
    default Optional<WalSegmentName> segmentName() {
        return Optional.empty();
    }

    /** A full WAL segment. */
    record Segment(WalSegmentName segment) implements WalFileName {
        public Optional<WalSegmentName> segmentName() {
            return Optional.of(segment);
        }

        public String fileName() {
            return segment.toString();
        }

        public int timeline() {
            return segment.timeline();
        }
    }

    /** The last, incomplete segment of a timeline, archived at promotion. */
    record Partial(WalSegmentName segment) implements WalFileName {
        public Optional<WalSegmentName> segmentName() {
            return Optional.of(segment);
        }

        public String fileName() {
            return segment + ".partial";
        }

        public int timeline() {
            return segment.timeline();
        }
    }

    /** A backup history file: {@code <segment>.<offset>.backup}. */
    record BackupHistory(WalSegmentName segment, String offsetHex) implements WalFileName {
        public Optional<WalSegmentName> segmentName() {
            return Optional.of(segment);
        }

        public String fileName() {
            return segment + "." + offsetHex + ".backup";
        }

        public int timeline() {
            return segment.timeline();
        }
    }

    /** A timeline history file: {@code 00000002.history}. */
    record TimelineHistory(int timeline) implements WalFileName {
        public String fileName() {
            return String.format("%08X.history", timeline);
        }
    }

    Pattern BACKUP = Pattern.compile("([0-9A-F]{24})\\.([0-9A-F]{8})\\.backup");
    Pattern HISTORY = Pattern.compile("([0-9A-F]{8})\\.history");

    /** A timeline's directory name in the repository and in WAL file names: 8 upper-case hex digits. */
    public static boolean isTimelineHex(String s) {
        return s.length() == 8 && s.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'A' && c <= 'F');
    }

    public static Optional<WalFileName> parse(String name) {
        Optional<WalSegmentName> segment = WalSegmentName.parse(name);
        if (segment.isPresent()) {
            return Optional.of(new Segment(segment.get()));
        }
        if (name.endsWith(".partial")) {
            return WalSegmentName.parse(name.substring(0, name.length() - ".partial".length())).map(Partial::new);
        }
        Matcher backup = BACKUP.matcher(name);
        if (backup.matches()) {
            return WalSegmentName.parse(backup.group(1)).map(s -> new BackupHistory(s, backup.group(2)));
        }
        Matcher history = HISTORY.matcher(name);
        if (history.matches()) {
            int tli = (int) Long.parseLong(history.group(1), 16);
            return tli == 0 ? Optional.empty() : Optional.of(new TimelineHistory(tli));
        }
        return Optional.empty();
    }

    public static WalFileName parseOrThrow(String name) {
        return parse(name).orElseThrow(() -> PitrException.usage("'" + name
                + "' is not a WAL file name (expected a 24-hex-digit segment, <segment>.partial,"
                + " <segment>.<offset>.backup or <timeline>.history); pass %p/%f from PostgreSQL"));
    }
}
