package dev.pitr.restore;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns the restored server's last words into one actionable error. */
final class ServerLogDiagnosis {
    private static final Pattern LAST_XACT = Pattern.compile("last completed transaction was at log time (.+)");
    private static final Pattern REDO_DONE = Pattern.compile("redo done at (\\S+)");
    /** The postmaster's first line at each start. */
    private static final String STARTING = "LOG:  starting PostgreSQL ";

    private ServerLogDiagnosis() {
    }

    /** Lines of a server that keeps retrying WAL it will never accept. */
    private static final List<String> STUCK = List.of("WAL file is from different database system", "unexpected pageaddr",
            "invalid magic number", "incorrect resource manager data checksum",
            "not handed to PostgreSQL"); // pitr's own refusal, written by restore_command into the server log

    /**
     * The last line saying why replay cannot go on, when the server keeps retrying a segment it rejects: among
     * the last 200 lines since the server last started (the log spans restarts, such as the idle tail's).
     */
    static java.util.Optional<String> stuck(Path serverLog) {
        List<String> lines = lines(serverLog);
        int since = 0;
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).contains(STARTING)) {
                since = i;
                break;
            }
        }
        for (int i = lines.size() - 1; i >= since && i >= lines.size() - 200; i--) {
            String line = lines.get(i);
            for (String s : STUCK) {
                if (line.contains(s)) { // pitr's own line names the segment and why; the server's start at the reason
                    int from = line.startsWith("pitr: ") ? "pitr: ".length() : line.indexOf(s);
                    return java.util.Optional.of(line.substring(from).trim());
                }
            }
        }
        return java.util.Optional.empty();
    }

    /** The server's last FATAL says it replayed the whole archive without reaching the time target. */
    static boolean endedBeforeTarget(Path serverLog) {
        return lastFatal(lines(serverLog)).contains("recovery ended before configured recovery target was reached");
    }

    /** Where the server's last redo ended ("redo done at X/Y"), if it said so. */
    static java.util.Optional<dev.pitr.wal.Lsn> redoDoneAt(Path serverLog) {
        dev.pitr.wal.Lsn last = null;
        for (String line : lines(serverLog)) {
            Matcher r = REDO_DONE.matcher(line);
            if (r.find()) {
                try {
                    last = dev.pitr.wal.Lsn.parse(r.group(1));
                } catch (RuntimeException e) {
                    // not an LSN: not this server's line
                }
            }
        }
        return java.util.Optional.ofNullable(last);
    }

    /** "last completed transaction was at log time ...", the newest the server printed. */
    static java.util.Optional<String> lastReplayedCommit(Path serverLog) {
        String last = null;
        for (String line : lines(serverLog)) {
            Matcher x = LAST_XACT.matcher(line);
            if (x.find()) {
                last = x.group(1).trim();
            }
        }
        return java.util.Optional.ofNullable(last);
    }

    private static List<String> lines(Path serverLog) {
        try {
            return Files.readAllLines(serverLog);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** FATALs a client's connection attempt gets while the server starts or stops: not why the server died. */
    private static final List<String> CLIENT_FATALS = List.of("the database system is starting up",
            "the database system is in recovery mode", "the database system is not yet accepting connections",
            "the database system is shutting down", "terminating connection due to administrator command");

    private static String lastFatal(List<String> lines) {
        String fatal = "";
        for (String line : lines) {
            if ((line.contains("FATAL:") || line.contains("PANIC:")) && CLIENT_FATALS.stream().noneMatch(line::contains)) {
                fatal = line.substring(line.indexOf(line.contains("FATAL:") ? "FATAL:" : "PANIC:")).trim();
            }
        }
        return fatal;
    }

    static PitrException replayFailed(Path serverLog) {
        List<String> lines = lines(serverLog);
        String lastPoint = "";
        for (String line : lines) {
            Matcher x = LAST_XACT.matcher(line);
            if (x.find()) {
                lastPoint = " last replayed commit at " + x.group(1).trim() + ";";
            }
            Matcher r = REDO_DONE.matcher(line);
            if (r.find()) {
                lastPoint += " redo done at " + r.group(1) + ";";
            }
        }
        String fatal = lastFatal(lines);
        if (fatal.contains("recovery ended before configured recovery target was reached")) {
            return new PitrException(ExitCode.VERIFICATION_FAILED, "the archive ends before the target:" + lastPoint
                    + " choose an earlier target (see 'pitr wal list') — server log " + serverLog);
        }
        return new PitrException(ExitCode.IO_FAILURE, "the restored server stopped during replay: "
                + (fatal.isEmpty() ? "no FATAL line" : fatal) + ";" + lastPoint + " server log " + serverLog);
    }
}
