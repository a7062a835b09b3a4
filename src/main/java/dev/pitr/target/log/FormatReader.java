package dev.pitr.target.log;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * One log format, read from its decoded lines into entries. {@code first} is the stream's first line, read
 * already to tell the format; {@code lines} gives the rest. Each reader counts in the scan's {@link ScanStats}
 * what it read and skipped, and yields only what passes the scan's filters.
 */
interface FormatReader {
    void read(String file, String first, BoundedLineReader lines, Consumer<LogEntry> sink) throws IOException;

    /** The reader of {@code format} for a scan; {@code base} is where the lines start in the file (a part of it). */
    static FormatReader of(LogFormat format, ScanContext scan, long base) {
        return switch (format) {
            case STDERR -> new StderrReader(scan, base);
            case SYSLOG -> new SyslogReader(scan);
            case CSVLOG -> new CsvlogReader(scan);
            case JSONLOG, CNPG_JSON, JOURNAL_JSON, DOCKER_JSON -> new JsonLinesReader(scan, format);
        };
    }
}
