package dev.pitr.wal;

import dev.pitr.core.PitrException;
import dev.pitr.pg.PgBinaries;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * How far in time the archived WAL provably reaches: its newest commit or abort record, read with pg_waldump. A
 * segment's archive time proves nothing about the WAL after it (the archiver lags a busy primary, so the next
 * segment may hold commits older than that time), and PostgreSQL stops a time target only at a commit or
 * abort at or after it: a target after the newest archived one would replay to the end of the archive and
 * could silently miss commits made before the target that are not archived yet.
 */
public final class ArchiveHorizon {
    /** The newest commit or abort record of the archive and the segment that holds it. */
    public record Horizon(Instant lastCommit, WalSegmentName segment) {
    }

    /** Segments read back from the end of a run for a commit, at most: an idle archive has none for a while. */
    static final int LOOK_BACK = 16;

    private final WalSource wal;
    private final PgBinaries bins;

    public ArchiveHorizon(WalSource wal, PgBinaries bins) {
        this.wal = wal;
        this.bins = bins;
    }

    /**
     * The newest commit in {@code run} (contiguous archived segments, oldest first), read from its end backwards
     * two segments at a time (a record may cross into the next segment); empty when the last {@link #LOOK_BACK}
     * segments hold none.
     */
    public Optional<Horizon> lastCommit(List<WalSegmentName> run) {
        if (run.isEmpty()) {
            return Optional.empty();
        }
        try (ScratchDir scratch = ScratchDir.create("pitr-horizon-")) {
            Path dir = scratch.path();
            int stop = Math.max(0, run.size() - LOOK_BACK);
            for (int last = run.size() - 1; last >= stop; last--) {
                WalSegmentName first = run.get(Math.max(0, last - 1));
                List<WalSegmentName> pair = run.subList(Math.max(0, last - 1), last + 1);
                wal.fetchAll(pair.stream().map(WalSegmentName::toString).toList(), dir, pair.size()); // side by side
                Instant[] newest = {null};
                WalSegmentName[] where = {null};
                int segmentSize = (int) Files.size(dir.resolve(first.toString()));
                Waldump.readTransactions(bins, dir, first, run.get(last), r -> {
                    if (r.isCommit() || r.isAbort()) {
                        r.time().ifPresent(t -> {
                            if (newest[0] == null || t.isAfter(newest[0])) {
                                newest[0] = t;
                                where[0] = WalSegmentName.containing(first.timeline(), r.lsn(), segmentSize);
                            }
                        });
                    }
                    return true;
                });
                if (newest[0] != null) {
                    WalSegmentName named = WalSegmentName.of(run.get(last).timeline(),
                            where[0].segmentNumber(segmentSize), segmentSize);
                    return Optional.of(new Horizon(newest[0], named));
                }
                Files.deleteIfExists(dir.resolve(run.get(last).toString()));
            }
            return Optional.empty();
        } catch (IOException e) {
            throw PitrException.io("cannot read the archived WAL's last segments: " + e.getMessage(), e);
        }
    }

    /**
     * Where replay of the archive ends in {@code segment}, its last one: the start of the last whole record in it
     * (a switch record, or the last one before WAL that is not archived yet). A copy has replayed everything
     * archived once its replay position is past that start; empty when pg_waldump finds no record that starts in
     * the segment (one record filling it whole).
     */
    public Optional<Lsn> lastRecord(WalSegmentName segment) {
        try (ScratchDir scratch = ScratchDir.create("pitr-horizon-")) {
            wal.fetchAll(List.of(segment.toString()), scratch.path(), 1);
            return Waldump.read(bins, scratch.path(), segment, segment, Optional.empty(), r -> true);
        }
    }
}
