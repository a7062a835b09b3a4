package dev.pitr.target.wal;

import dev.pitr.wal.ArchiveReader;
import dev.pitr.wal.PinnedTransaction;
import dev.pitr.wal.RelFileNode;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;

import dev.pitr.pg.PgBinaries;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Finds the suspect transaction in the archived WAL through pg_waldump, reading forward from just before the
 * statement's start for as long as it takes (a transaction held open for minutes commits minutes later), up to
 * the end of the archive, in chunks of segments with progress.
 */
public final class SuspectLocator {
    /** What the statement did to the table, which decides what its transaction's records look like. */
    public enum Touch { DROP, TRUNCATE, DELETE, UPDATE }

    /**
     * What the log and the live server know about the statement.
     *
     * @param startBound     the earliest instant the statement can have started: its commit is at or after it
     * @param windowStart    from when relation-dropping commits are counted for {@code skip}
     * @param relation       the table's file(s), when a server named them (empty: unknown)
     * @param relationSource where {@code relation} came from, in words
     * @param databaseOid    the statement's database, when the log names it and a server resolved it
     * @param skip           file-dropping statements logged in the window before this one
     */
    public record Suspect(Touch touch, Instant startBound, Instant windowStart, Optional<Long> xid,
                          Set<RelFileNode> relation, String relationSource, OptionalLong databaseOid, int skip) {
        public Suspect {
            relation = Set.copyOf(relation);
        }
    }

    /** The transaction, or why the WAL could not pin it. */
    public sealed interface Outcome {
        record Pinned(PinnedTransaction transaction) implements Outcome {
        }

        record NotPinned(String why) implements Outcome {
        }
    }


    private final WalSource wal;
    private final PgBinaries bins;
    private final Consumer<String> progress;

    public SuspectLocator(WalSource wal, PgBinaries bins, Consumer<String> progress) {
        this.wal = wal;
        this.bins = bins;
        this.progress = progress;
    }

    /** Tries the timelines from the newest down: a log time belongs to the newest timeline archived after it. */
    public Outcome locate(Suspect suspect) {
        List<Integer> timelines = new ArrayList<>(wal.timelines());
        Collections.reverse(timelines);
        Optional<Outcome> firstAnswer = Optional.empty();
        Instant newestArchived = null;
        for (int tl : timelines) {
            TreeMap<WalSegmentName, Instant> segs = wal.segments(tl);
            if (segs.isEmpty()) {
                continue;
            }
            Instant last = segs.lastEntry().getValue();
            newestArchived = newestArchived == null || last.isAfter(newestArchived) ? last : newestArchived;
            Outcome o = locate(segs, suspect);
            if (o instanceof Outcome.Pinned) {
                return o;
            }
            firstAnswer = firstAnswer.or(() -> Optional.of(o));
        }
        Instant newest = newestArchived;
        return firstAnswer.orElseGet(() -> new Outcome.NotPinned(newest == null ? "the repository holds no WAL"
                : "no WAL archived after " + suspect.windowStart() + " (the newest segment was archived " + newest
                + "): the statement's WAL is not archived yet; run SELECT pg_switch_wal() on the primary, let it"
                + " archive, and try again"));
    }

    private Outcome locate(TreeMap<WalSegmentName, Instant> segs, Suspect suspect) {
        List<WalSegmentName> names = new ArrayList<>(segs.keySet());
        int first = -1;
        for (int i = 0; i < names.size() && first < 0; i++) {
            // a segment is archived after every record in it (store times are whole seconds, hence +1 s)
            if (!segs.get(names.get(i)).plusSeconds(1).isBefore(suspect.windowStart())) {
                first = Math.max(0, i - 1);
            }
        }
        if (first < 0) {
            return new Outcome.NotPinned("no WAL archived after " + suspect.windowStart() + " on timeline "
                    + names.get(0).timelineHex() + " (its newest segment " + names.get(names.size() - 1) + " was archived "
                    + segs.lastEntry().getValue() + "): the statement's WAL is not archived yet; run"
                    + " SELECT pg_switch_wal() on the primary, let it archive, and try again");
        }
        SuspectScan scan = new SuspectScan(suspect);
        ArchiveReader.Read read = new ArchiveReader(wal, bins).read(names, first, (r, soFar) -> {
            scan.offer(r, soFar.stream().map(WalSegmentName::toString).toList());
            return !scan.done();
        }, soFar -> progress.accept("WAL: read " + soFar.size() + " segment(s) up to " + soFar.get(soFar.size() - 1)
                + scan.lastCommit().map(t -> ", commits up to " + t).orElse("") + "; reading on"));
        if (scan.found().isPresent()) {
            return new Outcome.Pinned(scan.found().get());
        }
        if (scan.abandoned().isPresent()) {
            return new Outcome.NotPinned(scan.abandoned().get());
        }
        return new Outcome.NotPinned("read " + read.segments().size() + " WAL segment(s) from " + names.get(first)
                + " to the end of the archive" + scan.lastCommit().map(t -> " (commits up to " + t + ")").orElse("")
                + " and no transaction fits: if the statement committed later, its WAL is not archived yet (run"
                + " SELECT pg_switch_wal() on the primary and try again)");
    }

}
