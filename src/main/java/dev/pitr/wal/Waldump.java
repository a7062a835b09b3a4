package dev.pitr.wal;

import dev.pitr.core.PitrException;
import dev.pitr.pg.PgBinaries;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * pg_waldump over segments in a directory, its records handed over one at a time (times in UTC). It exits
 * non-zero at the end of valid WAL, which is where every archive ends: what it printed before counts.
 */
final class Waldump {
    private Waldump() {
    }

    /**
     * Feeds each record after {@code resume} to {@code reader} until it returns false or the WAL ends; returns
     * the last LSN read (or {@code resume} when nothing was).
     */
    static Optional<Lsn> read(PgBinaries bins, Path dir, WalSegmentName first, WalSegmentName last,
                              Optional<Lsn> resume, Predicate<WaldumpRecord> reader) {
        return read(bins, dir, first, last, resume, List.of(), reader);
    }

    /**
     * Only the transaction records (commits, aborts, prepares): pg_waldump filters them out of a busy segment's
     * hundred thousand records itself, so pitr parses a few hundred lines instead.
     */
    static Optional<Lsn> readTransactions(PgBinaries bins, Path dir, WalSegmentName first, WalSegmentName last,
                                          Predicate<WaldumpRecord> reader) {
        return read(bins, dir, first, last, Optional.empty(), List.of("--rmgr=Transaction"), reader);
    }

    private static Optional<Lsn> read(PgBinaries bins, Path dir, WalSegmentName first, WalSegmentName last,
                                      Optional<Lsn> resume, List<String> filter, Predicate<WaldumpRecord> reader) {
        List<String> cmd = new ArrayList<>(List.of(bins.tool("pg_waldump").toString(), "-p", dir.toString()));
        resume.ifPresent(l -> cmd.addAll(List.of("-s", l.toString())));
        cmd.addAll(filter);
        cmd.add(first.toString());
        cmd.add(last.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("TZ", "UTC");
        Optional<Lsn> lastRead = Optional.empty();
        Process p = null;
        try {
            p = pb.start();
            p.getOutputStream().close();
            Process proc = p;
            CompletableFuture<Void> err = CompletableFuture.runAsync(() -> {
                try {
                    proc.getErrorStream().transferTo(java.io.OutputStream.nullOutputStream());
                } catch (IOException ignored) {
                    // the end of valid WAL is said there; nothing in it decides anything
                }
            });
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    Optional<WaldumpRecord> r = WaldumpRecord.parse(line);
                    if (r.isEmpty() || resume.isPresent() && r.get().lsn().compareTo(resume.get()) <= 0) {
                        continue;
                    }
                    lastRead = Optional.of(r.get().lsn());
                    if (!reader.test(r.get())) {
                        break;
                    }
                }
            }
            p.destroy();
            err.join();
            return lastRead.or(() -> resume);
        } catch (IOException e) {
            throw PitrException.io("cannot run pg_waldump: " + e.getMessage(), e);
        } finally {
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }
}
