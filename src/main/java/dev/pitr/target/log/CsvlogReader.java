package dev.pitr.target.log;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** PostgreSQL's csvlog: one record a message (quoted fields may span lines), the statement in its own column. */
public final class CsvlogReader implements FormatReader {
    private final ScanContext scan;

    CsvlogReader(ScanContext scan) {
        this.scan = scan;
    }

    @Override
    public void read(String file, String first, BoundedLineReader lines, Consumer<LogEntry> sink) throws IOException {
        scan.stats.lines++;
        long lineNo = 0;
        long recordLine = 1;
        StringBuilder record = new StringBuilder();
        for (String line = first; line != null; line = scan.next(lines)) {
            lineNo++;
            if (record.length() > 0) {
                record.append('\n');
            } else {
                recordLine = lineNo;
            }
            record.append(line);
            if (!scan.filter.test(record.toString()) && !record.isEmpty() && balancedQuotes(record)) {
                scan.stats.entries++;
                record.setLength(0);
                continue;
            }
            List<String> fields = split(record);
            if (fields == null) { // open quote: the record continues on the next line, within bounds
                if (record.length() > LogFiles.MAX_LINE) {
                    scan.stats.skipped++;
                    record.setLength(0);
                }
                continue;
            }
            record.setLength(0);
            if (fields.size() < 14) {
                scan.stats.skipped++;
                continue;
            }
            Severity severity = scan.messages.english(fields.get(11));
            if (!scan.keep.test(severity, fields.get(13))) {
                scan.stats.entries++;
                continue;
            }
            Optional<LogTime.Parsed> t = LogTime.parse(fields.get(0), scan.zone);
            if (t.isEmpty()) {
                scan.stats.skipped++;
                continue;
            }
            scan.stats.entries++;
            sink.accept(new LogEntry(t.get().instant(), fields.get(0), t.get().precision(),
                    ScanContext.emptyToNull(fields.get(2)), ScanContext.emptyToNull(fields.get(1)),
                    ScanContext.parseInt(fields.get(3)), ScanContext.emptyToNull(fields.get(5)),
                    ScanContext.parseLong(fields.get(10)), severity, fields.get(13),
                    fields.size() > 19 ? ScanContext.emptyToNull(fields.get(19)) : null, file, recordLine));
        }
        if (record.length() > 0) {
            scan.stats.skipped++;
        }
    }

    private static boolean balancedQuotes(CharSequence s) {
        int quotes = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '"') {
                quotes++;
            }
        }
        return quotes % 2 == 0;
    }

    /**
     * A record's fields by RFC 4180, with a bound, so a broken quote costs one record, not the rest of the
     * file; null when a quoted field is still open at the end of the text.
     */
    public static List<String> split(CharSequence s) {
        List<String> out = new ArrayList<>(26);
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            return null;
        }
        out.add(field.toString());
        return out;
    }
}
