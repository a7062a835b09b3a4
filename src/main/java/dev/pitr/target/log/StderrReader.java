package dev.pitr.target.log;

import java.io.IOException;
import java.util.function.Consumer;

/** PostgreSQL's stderr log (log_destination = stderr, with or without the logging collector), decoded. */
final class StderrReader implements FormatReader {
    private final ScanContext scan;
    private final long base;

    StderrReader(ScanContext scan, long base) {
        this.scan = scan;
        this.base = base;
    }

    @Override
    public void read(String file, String first, BoundedLineReader lines, Consumer<LogEntry> sink) throws IOException {
        MessageAssembler messages = new MessageAssembler(scan, file, sink);
        messages.readAll(first, lines, (line, lineNo) -> messages.line(line, lineNo, base + lines.lastStart(), null, null));
    }
}
