package dev.pitr.target.log;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Year;
import java.time.ZoneId;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * Reads PostgreSQL log files in any {@link LogFormat} into {@link LogEntry}s, through the {@link FormatReader}
 * of the format: the one forced, else the one the first line shows ({@link LogFiles} opens and decompresses).
 * How a file is scanned follows from the filter: words ({@link MessageFilter.Words}) on a plain stderr log
 * are judged on the raw bytes ({@link StderrBytes}); everything else is decoded first. Garbage, binary junk,
 * invalid UTF-8 and over-long lines are counted in {@link ScanStats} and skipped; a file in a format pitr
 * does not read is refused by name, never scanned as text.
 */
public final class LogReader {
    private final Optional<LogFormat> forcedFormat;
    private final LogLinePrefix prefix;
    private final LogZone zone;
    private final ScanStats stats;
    private final MessageFilter filter;
    private int year = Year.now().getValue();
    private BiPredicate<Severity, String> keep = (severity, message) -> true;

    /**
     * {@code filter} sees each message's raw text before anything is parsed: messages it rejects cost only the
     * line split (or, judged on bytes, not even that), which is what makes a multi-gigabyte scan fast.
     */
    public LogReader(Optional<LogFormat> forcedFormat, LogLinePrefix prefix, LogZone zone, ScanStats stats,
                     MessageFilter filter) {
        this.forcedFormat = forcedFormat;
        this.prefix = prefix;
        this.zone = zone;
        this.stats = stats;
        this.filter = filter;
    }

    public LogReader(Optional<LogFormat> forcedFormat, LogLinePrefix prefix, Optional<ZoneId> logZone, ScanStats stats) {
        this(forcedFormat, prefix, LogZone.of(logZone), stats, MessageFilter.all());
    }

    /**
     * A second filter, on the English severity and the message once the line is split, before the time is
     * parsed and an entry is made: what a scan does not need costs no more than that.
     */
    public LogReader keep(BiPredicate<Severity, String> wanted) {
        this.keep = wanted;
        return this;
    }

    /** The year of syslog's traditional time stamps, which print none (default: the file's, else this year's). */
    public LogReader year(int year) {
        this.year = year;
        return this;
    }

    public void read(Path file, Consumer<LogEntry> sink) {
        try (InputStream raw = LogFiles.open(file)) {
            read(file.getFileName().toString(), file.toString(), raw, sink);
        } catch (IOException e) {
            throw LogFiles.unreadable(file, e);
        }
    }

    /**
     * Reads the bytes {@code [start, end)} of a plain stderr log, which must begin and end at message
     * boundaries ({@link LogFiles#messageBoundary}); line numbers count from {@code start}.
     */
    public void readRange(Path file, long start, long end, Consumer<LogEntry> sink) {
        try (FileChannel ch = FileChannel.open(file)) {
            InputStream in = LogFiles.range(ch, start, end);
            if (start == 0) {
                stats.files.add(file.toString());
            }
            stats.formats.add(LogFormat.STDERR);
            ScanContext scan = context();
            Optional<KeywordFilter> words = filter.onBytes();
            if (words.isPresent()) {
                new StderrBytes(scan, new MessageAssembler(scan, file.toString(), sink), words.get(), start).read(in);
                return;
            }
            BoundedLineReader lines = LogFiles.lines(in);
            String first = lines.readLine();
            if (first != null) {
                new StderrReader(scan, start).read(file.toString(), first, lines, sink);
            }
        } catch (IOException e) {
            throw LogFiles.unreadable(file, e);
        }
    }

    /** Reads one log from a stream; {@code fileName} only serves format detection, {@code where} messages. */
    public void read(String fileName, String where, InputStream raw, Consumer<LogEntry> sink) throws IOException {
        stats.files.add(where);
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(LogFiles.PEEK);
        BoundedLineReader lines = LogFiles.lines(in);
        String first = lines.readLine();
        if (first == null) {
            return;
        }
        boolean firstTruncated = lines.lastTruncated();
        LogFormat format = forcedFormat.orElseGet(() -> LogFiles.detect(fileName, where, first));
        stats.formats.add(format);
        ScanContext scan = context();
        Optional<KeywordFilter> words = filter.onBytes();
        if (format == LogFormat.STDERR && words.isPresent() && LogFiles.rewind(in)) {
            new StderrBytes(scan, new MessageAssembler(scan, where, sink), words.get(), 0).read(in);
            return;
        }
        if (firstTruncated) {
            stats.truncated++;
        }
        FormatReader.of(format, scan, 0).read(where, first, lines, sink);
    }

    private ScanContext context() {
        return new ScanContext(prefix, zone, stats, filter, keep, year);
    }
}
