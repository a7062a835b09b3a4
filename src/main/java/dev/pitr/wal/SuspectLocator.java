package dev.pitr.wal;

import dev.pitr.core.PitrException;
import dev.pitr.pg.PgBinaries;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private static final int CHUNK = 16;

    private final Repository repo;
    private final PgBinaries bins;
    private final Consumer<String> progress;

    public SuspectLocator(Repository repo, PgBinaries bins, Consumer<String> progress) {
        this.repo = repo;
        this.bins = bins;
        this.progress = progress;
    }

    /** Tries the timelines from the newest down: a log time belongs to the newest timeline archived after it. */
    public Outcome locate(Suspect suspect) {
        List<Integer> timelines = new ArrayList<>(new WalArchive(repo).timelines());
        Collections.reverse(timelines);
        Optional<Outcome> firstAnswer = Optional.empty();
        Instant newestArchived = null;
        for (int tl : timelines) {
            TreeMap<WalSegmentName, ObjectInfo> segs = new WalArchive(repo).segments(tl);
            if (segs.isEmpty()) {
                continue;
            }
            Instant last = segs.lastEntry().getValue().lastModified();
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

    private Outcome locate(TreeMap<WalSegmentName, ObjectInfo> segs, Suspect suspect) {
        List<WalSegmentName> names = new ArrayList<>(segs.keySet());
        int first = -1;
        for (int i = 0; i < names.size() && first < 0; i++) {
            // a segment is archived after every record in it (store times are whole seconds, hence +1 s)
            if (!segs.get(names.get(i)).lastModified().plusSeconds(1).isBefore(suspect.windowStart())) {
                first = Math.max(0, i - 1);
            }
        }
        if (first < 0) {
            return new Outcome.NotPinned("no WAL archived after " + suspect.windowStart() + " on timeline "
                    + names.get(0).timelineHex() + " (its newest segment " + names.get(names.size() - 1) + " was archived "
                    + segs.lastEntry().getValue().lastModified() + "): the statement's WAL is not archived yet; run"
                    + " SELECT pg_switch_wal() on the primary, let it archive, and try again");
        }
        SuspectScan scan = new SuspectScan(suspect);
        Path dir = tempDir();
        try {
            int start = first;
            Optional<Lsn> resume = Optional.empty();
            int read = 0;
            while (start < names.size() && !scan.done()) {
                List<WalSegmentName> chunk = contiguous(names, start, CHUNK);
                new WalPrefetcher(repo).fetchAll(chunk.stream().map(WalSegmentName::toString).toList(), dir, 4, n -> { });
                Optional<Lsn> lastSeen = dump(dir, chunk, resume, scan, names.subList(first, start + chunk.size()));
                read = start + chunk.size() - first;
                if (!scan.done()) {
                    progress.accept("WAL: read " + read + " segment(s) up to " + chunk.get(chunk.size() - 1)
                            + scan.lastCommit().map(t -> ", commits up to " + t).orElse("") + "; reading on");
                }
                if (lastSeen.isEmpty() || resume.isPresent() && lastSeen.get().compareTo(resume.get()) <= 0
                        || chunk.size() < CHUNK && start + chunk.size() < names.size() && !contiguousAt(names, start + chunk.size())) {
                    break; // no progress (damaged WAL) or a gap in the archive: nothing further can be read in order
                }
                int segSize = segmentSize(dir, chunk.get(0));
                WalSegmentName holding = WalSegmentName.containing(chunk.get(0).timeline(), lastSeen.get(), segSize);
                int next = names.indexOf(holding); // the record there may continue into the next chunk
                if (next < start) {
                    next = start + chunk.size();
                }
                removeBefore(dir, names.get(Math.min(next, names.size() - 1)));
                start = next;
                resume = lastSeen;
            }
            if (scan.found().isPresent()) {
                return new Outcome.Pinned(scan.found().get());
            }
            if (scan.abandoned().isPresent()) {
                return new Outcome.NotPinned(scan.abandoned().get());
            }
            return new Outcome.NotPinned("read " + read + " WAL segment(s) from " + names.get(first) + " to the end of"
                    + " the archive" + scan.lastCommit().map(t -> " (commits up to " + t + ")").orElse("")
                    + " and no transaction fits: if the statement committed later, its WAL is not archived yet (run"
                    + " SELECT pg_switch_wal() on the primary and try again)");
        } finally {
            deleteAll(dir);
        }
    }

    /** Up to {@code max} names from {@code start} without a gap between them. */
    private static List<WalSegmentName> contiguous(List<WalSegmentName> names, int start, int max) {
        List<WalSegmentName> out = new ArrayList<>(List.of(names.get(start)));
        for (int i = start + 1; i < names.size() && out.size() < max && contiguousAt(names, i); i++) {
            out.add(names.get(i));
        }
        return out;
    }

    private static boolean contiguousAt(List<WalSegmentName> names, int i) {
        WalSegmentName a = names.get(i - 1);
        WalSegmentName b = names.get(i);
        return b.log() == a.log() && b.segmentInLog() == a.segmentInLog() + 1
                || b.log() == a.log() + 1 && b.segmentInLog() == 0;
    }

    /** Runs pg_waldump over the chunk, feeding each record past {@code resume} to the scan; the last LSN read. */
    private Optional<Lsn> dump(Path dir, List<WalSegmentName> chunk, Optional<Lsn> resume, SuspectScan scan,
                               List<WalSegmentName> readSoFar) {
        List<String> segments = readSoFar.stream().map(WalSegmentName::toString).toList();
        return Waldump.read(bins, dir, chunk.get(0), chunk.get(chunk.size() - 1), resume, r -> {
            scan.offer(r, segments);
            return !scan.done();
        });
    }

    private static int segmentSize(Path dir, WalSegmentName segment) {
        try {
            return (int) Files.size(dir.resolve(segment.toString()));
        } catch (IOException e) {
            return 16 << 20;
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("pitr-waldump-");
        } catch (IOException e) {
            throw PitrException.io("cannot create a temp dir for pg_waldump: " + e.getMessage(), e);
        }
    }

    private static void removeBefore(Path dir, WalSegmentName keepFrom) {
        try (var files = Files.list(dir)) {
            files.filter(f -> WalSegmentName.parse(f.getFileName().toString()).map(s -> s.compareTo(keepFrom) < 0)
                    .orElse(false)).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // temp files; the final cleanup removes them
        }
    }

    private static void deleteAll(Path dir) {
        try (var files = Files.list(dir)) {
            files.forEach(p -> p.toFile().delete());
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // temp files; the OS reclaims them
        }
    }
}
