package dev.pitr.target.log;

import dev.pitr.core.PitrException;

import java.io.IOException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A syslog file of PostgreSQL's messages (log_destination = syslog): each line an envelope (RFC 3164 or
 * 5424 stamp, host, tag and pid) around a stderr-style message or a numbered chunk of one; lines without an
 * envelope are read as stderr. The envelope's time serves when log_line_prefix prints none.
 */
final class SyslogReader implements FormatReader {
    private final ScanContext scan;

    SyslogReader(ScanContext scan) {
        this.scan = scan;
    }

    @Override
    public void read(String file, String first, BoundedLineReader lines, Consumer<LogEntry> sink) throws IOException {
        MessageAssembler messages = new MessageAssembler(scan, file, sink);
        messages.readAll(first, lines, (line, lineNo) -> {
            Optional<SyslogEnvelope> env = SyslogEnvelope.parse(line, 0);
            if (env.isEmpty()) {
                messages.line(line, lineNo, lines.lastStart(), null, null);
                return;
            }
            SyslogEnvelope e = env.get();
            messages.enveloped(e, lineNo, lines.lastStart(), () -> {
                if (!e.stampHasZone() && scan.zone.logTimezone().isEmpty()) { // asked only when the prefix has no time
                    throw PitrException.usage(file + " line " + lineNo + ": syslog's time stamp '" + e.stamp() + "' has"
                            + " no zone (a syslog daemon stamps in its own local time) and log_line_prefix prints no time:"
                            + " give the zone with --log-timezone (or log-timezone in pitr.yaml)");
                }
                return e.time(scan.year, scan.zone.logTimezone());
            });
        });
    }
}
