package dev.pitr.backup;

import dev.pitr.core.PitrException;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.WalSegmentName;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The parts of PostgreSQL's {@code backup_label} that locate a backup in the WAL. */
public record BackupLabel(Lsn startLsn, WalSegmentName startSegment, int timeline, Instant startTime, String label) {
    private static final Pattern START = Pattern.compile("START WAL LOCATION: (\\S+) \\(file ([0-9A-F]{24})\\)");
    private static final Pattern TIMELINE = Pattern.compile("START TIMELINE: (\\d+)");
    private static final Pattern TIME = Pattern.compile("START TIME: (.+)");
    private static final Pattern LABEL = Pattern.compile("LABEL: (.*)");

    public static BackupLabel parse(String text) {
        Matcher start = find(START, text);
        Matcher tli = find(TIMELINE, text);
        Matcher time = find(TIME, text);
        Matcher label = LABEL.matcher(text);
        return new BackupLabel(Lsn.parse(start.group(1)), WalSegmentName.parse(start.group(2)).orElseThrow(() ->
                PitrException.verification("backup_label names '" + start.group(2) + "' as its start WAL file, which is"
                        + " not a segment name")), Integer.parseInt(tli.group(1)),
                ZonedDateTime.parse(time.group(1).trim(), DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z"))
                        .toInstant(),
                label.find() ? label.group(1).trim() : "");
    }

    private static Matcher find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException("backup_label has no line matching " + p.pattern());
        }
        return m;
    }
}
