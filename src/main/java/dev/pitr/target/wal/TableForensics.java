package dev.pitr.target.wal;

import dev.pitr.wal.ArchiveReader;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.PinnedTransaction;
import dev.pitr.wal.RelFileNode;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;
import dev.pitr.wal.WaldumpRecord;

import dev.pitr.pg.PgBinaries;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * What the archived WAL alone shows was done to a table, transaction by transaction, when no log names the
 * statement ({@code log_statement = none}, Debian's default; {@code ddl} and a DELETE; a DROP inside a function):
 * the commits that removed the table's files (DROP, TRUNCATE, a rewrite), that made its current file (a TRUNCATE
 * or rewrite, seen from the live file), or that deleted or updated its rows. Rolled-back transactions are left
 * out. It reports what it read, so a range it did not read is never called clean.
 */
public final class TableForensics {
    /** A committed transaction that destroyed rows or files of the table. */
    public record Destruction(PinnedTransaction transaction, long deleted, long updated, boolean removedFiles,
                              boolean madeCurrentFile) {
        /** What it did, in words. */
        public String what() {
            List<String> parts = new ArrayList<>();
            if (removedFiles) {
                parts.add("its commit removed the table's file(s) (DROP, TRUNCATE or a rewrite)");
            }
            if (madeCurrentFile) {
                parts.add("it made the table's current file (TRUNCATE or a rewrite)");
            }
            if (deleted > 0) {
                parts.add("deleted " + deleted + " row(s)");
            }
            if (updated > 0) {
                parts.add("updated " + updated + " row(s)");
            }
            return String.join("; ", parts);
        }
    }

    /**
     * The transactions found, newest commit first, and what was read to find them: the segments, the commit
     * times they span, and whether the reading stopped at a gap or damaged WAL before the end of the archive.
     */
    public record Scan(List<Destruction> newestFirst, int timeline, List<WalSegmentName> segments,
                       Optional<Instant> firstCommit, Optional<Instant> lastCommit, boolean stoppedShort) {
        public String read() {
            if (segments.isEmpty()) {
                return "no archived WAL segment was read";
            }
            return "read " + segments.size() + " WAL segment(s) of timeline " + timeline + ", " + segments.get(0)
                    + " .. " + segments.get(segments.size() - 1) + firstCommit.map(f -> ", commits from " + f + " to "
                    + lastCommit.orElse(f)).orElse(", no commit in them")
                    + (stoppedShort ? "; stopped at a gap or damaged WAL before the end of the archive" : " (the end of"
                    + " the archive)");
        }
    }

    private final WalSource wal;
    private final PgBinaries bins;
    private final Consumer<String> progress;

    public TableForensics(WalSource wal, PgBinaries bins, Consumer<String> progress) {
        this.wal = wal;
        this.bins = bins;
        this.progress = progress;
    }

    /**
     * Reads the newest timeline's archived WAL from just before {@code since} (or its start) to the end, or until
     * a commit after {@code until}, for what was done to {@code files}.
     */
    public Scan scan(Set<RelFileNode> files, Optional<Instant> since, Optional<Instant> until) {
        List<Integer> timelines = new ArrayList<>(wal.timelines());
        Collections.reverse(timelines);
        for (int tl : timelines) {
            TreeMap<WalSegmentName, Instant> segs = wal.segments(tl);
            if (!segs.isEmpty()) {
                return scan(tl, segs, files, since, until);
            }
        }
        return new Scan(List.of(), 0, List.of(), Optional.empty(), Optional.empty(), false);
    }

    private Scan scan(int timeline, TreeMap<WalSegmentName, Instant> segs, Set<RelFileNode> files,
                      Optional<Instant> since, Optional<Instant> until) {
        List<WalSegmentName> names = new ArrayList<>(segs.keySet());
        int first = 0;
        if (since.isPresent()) {
            // a segment is archived after every record in it (store times are whole seconds, hence +1 s)
            first = names.size() - 1;
            for (int i = 0; i < names.size(); i++) {
                if (!segs.get(names.get(i)).plusSeconds(1).isBefore(since.get())) {
                    first = Math.max(0, i - 1);
                    break;
                }
            }
        }
        Reading reading = new Reading(files, since, until);
        ArchiveReader.Read read = new ArchiveReader(wal, bins).read(names, first, reading::offer,
                soFar -> progress.accept("WAL: read " + soFar.size() + " segment(s) up to " + soFar.get(soFar.size() - 1)
                        + reading.lastCommit.map(t -> ", commits up to " + t).orElse("")));
        List<Destruction> found = new ArrayList<>(reading.found);
        Collections.reverse(found);
        return new Scan(List.copyOf(found), timeline, read.segments(), reading.firstCommit, reading.lastCommit,
                read.stoppedShort());
    }

    /** The state of one reading: what each open transaction has done so far, and the commits seen. */
    private static final class Reading {
        private final Set<RelFileNode> files;
        private final Optional<Instant> since;
        private final Optional<Instant> until;
        private final Map<Long, Lsn> first = new HashMap<>();
        private final Map<Long, long[]> rows = new HashMap<>(); // {deleted, updated}
        private final Set<Long> made = new HashSet<>();
        private final Set<Long> locked = new HashSet<>();
        private final List<Lsn> commits = new ArrayList<>();
        private final List<Destruction> found = new ArrayList<>();
        private Optional<Instant> firstCommit = Optional.empty();
        private Optional<Instant> lastCommit = Optional.empty();

        Reading(Set<RelFileNode> files, Optional<Instant> since, Optional<Instant> until) {
            this.files = files;
            this.since = since;
            this.until = until;
        }

        boolean offer(WaldumpRecord r, List<WalSegmentName> soFar) {
            if (r.tx() != 0) {
                first.putIfAbsent(r.tx(), r.lsn());
            }
            r.lockXid().ifPresent(x -> {
                first.putIfAbsent(x, r.lsn());
                locked.add(x);
            });
            r.createdFile().filter(files::contains).ifPresent(f -> made.add(r.tx()));
            if (r.rmgr().equals("Heap") && r.blockRelations().stream().anyMatch(files::contains)) {
                String op = r.heapOperation();
                int column = op.equals("DELETE") ? 0 : op.equals("UPDATE") || op.equals("HOT_UPDATE") ? 1 : -1;
                if (column >= 0) {
                    rows.computeIfAbsent(r.tx(), x -> new long[2])[column]++;
                }
            }
            if (r.isAbort()) {
                ids(r).forEach(this::forget);
            } else if (r.isCommit() && r.time().isPresent()) {
                Instant t = r.time().get();
                if (until.isPresent() && t.isAfter(until.get())) {
                    return false;
                }
                firstCommit = firstCommit.or(() -> Optional.of(t));
                lastCommit = Optional.of(t);
                commit(r, t, soFar);
            }
            return true;
        }

        private void commit(WaldumpRecord r, Instant t, List<WalSegmentName> soFar) {
            List<Long> ids = ids(r);
            long deleted = ids.stream().mapToLong(x -> rows.getOrDefault(x, new long[2])[0]).sum();
            long updated = ids.stream().mapToLong(x -> rows.getOrDefault(x, new long[2])[1]).sum();
            boolean removed = r.droppedFiles().stream().anyMatch(files::contains);
            // a TRUNCATE or rewrite made the current file and its commit removes the old one; CREATE TABLE removes none
            boolean madeFile = ids.stream().anyMatch(made::contains) && !r.droppedFiles().isEmpty();
            if ((deleted > 0 || updated > 0 || removed || madeFile) && since.map(s -> !t.isBefore(s)).orElse(true)) {
                Lsn firstLsn = ids.stream().map(first::get).filter(java.util.Objects::nonNull).min(Lsn::compareTo)
                        .orElse(r.lsn());
                long between = commits.stream().filter(c -> c.compareTo(firstLsn) > 0).count();
                String desc = r.desc().length() > 200 ? r.desc().substring(0, 200) + "..." : r.desc();
                PinnedTransaction p = new PinnedTransaction(r.tx(), ids.subList(1, ids.size()), firstLsn, false,
                        r.lsn(), t, desc, (int) between, Optional.empty(), Optional.empty(),
                        ids.stream().anyMatch(locked::contains), "what the WAL shows it did to the table's files",
                        List.of(soFar.get(soFar.size() - 1).toString()));
                found.add(new Destruction(p, deleted, updated, removed, madeFile));
            }
            commits.add(r.lsn());
            ids.forEach(this::forget);
        }

        private static List<Long> ids(WaldumpRecord r) {
            List<Long> ids = new ArrayList<>();
            ids.add(r.tx());
            ids.addAll(r.subxacts());
            return ids;
        }

        private void forget(long xid) {
            first.remove(xid);
            rows.remove(xid);
            made.remove(xid);
            locked.remove(xid);
        }
    }
}
