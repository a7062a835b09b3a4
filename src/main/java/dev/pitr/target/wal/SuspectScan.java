package dev.pitr.target.wal;

import dev.pitr.wal.Lsn;
import dev.pitr.wal.PinnedTransaction;
import dev.pitr.wal.RelFileNode;
import dev.pitr.wal.WaldumpRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads WAL records in order and recognises the suspect transaction: the one with the known xid; else the first
 * committing at or after the statement's start that changed the table's file the way the statement does; for
 * statements that drop files, also the one at the statement's place among the relation-dropping commits (in the
 * log's order). Choosing the first that fits is what keeps the target safe: the suspect itself fits, so the one
 * chosen commits no later than it.
 */
final class SuspectScan {
    private final SuspectLocator.Suspect suspect;
    private final Map<Long, Lsn> first = new HashMap<>();
    private final Set<Long> touched = new HashSet<>();
    private final Set<Long> created = new HashSet<>();
    private final Set<Long> locked = new HashSet<>();
    private final List<Lsn> commitLsns = new ArrayList<>();
    private final List<Instant> commitTimes = new ArrayList<>();
    private final List<Long> commitXids = new ArrayList<>();
    private final List<long[]> runningXacts = new ArrayList<>(); // {lsn, nextXid}
    private int position;
    private Optional<String> abandoned = Optional.empty();
    private Optional<PinnedTransaction> found = Optional.empty();
    private Instant lastCommit;

    SuspectScan(SuspectLocator.Suspect suspect) {
        this.suspect = suspect;
    }

    boolean done() {
        return found.isPresent() || abandoned.isPresent();
    }

    Optional<PinnedTransaction> found() {
        return found;
    }

    /** Why the search stopped without a transaction, when it did. */
    Optional<String> abandoned() {
        return abandoned;
    }

    Optional<Instant> lastCommit() {
        return Optional.ofNullable(lastCommit);
    }

    void offer(WaldumpRecord r, List<String> segments) {
        if (done()) {
            return;
        }
        if (r.tx() != 0) {
            first.putIfAbsent(r.tx(), r.lsn());
        }
        r.nextXid().ifPresent(n -> runningXacts.add(new long[]{r.lsn().value(), n}));
        r.lockXid().ifPresent(x -> {
            first.putIfAbsent(x, r.lsn());
            locked.add(x);
        });
        r.createdFile().filter(suspect.relation()::contains).ifPresent(f -> created.add(r.tx()));
        if (r.rmgr().equals("Heap") && touchesTheWay(r)) {
            touched.add(r.tx());
        }
        if (r.isAbort()) {
            List<Long> ids = new ArrayList<>(r.subxacts());
            ids.add(r.tx());
            ids.forEach(this::forget);
            return;
        }
        if (r.isCommit()) {
            commit(r, segments);
        }
    }

    private boolean touchesTheWay(WaldumpRecord r) {
        String op = r.heapOperation();
        boolean kind = switch (suspect.touch()) {
            case DELETE -> op.equals("DELETE");
            case UPDATE -> op.equals("UPDATE") || op.equals("HOT_UPDATE");
            default -> false;
        };
        return kind && r.blockRelations().stream().anyMatch(suspect.relation()::contains);
    }

    private void forget(long xid) {
        first.remove(xid);
        touched.remove(xid);
        created.remove(xid);
        locked.remove(xid);
    }

    private void commit(WaldumpRecord r, List<String> segments) {
        Optional<Instant> when = r.time();
        if (when.isEmpty()) {
            return;
        }
        Instant t = when.get();
        lastCommit = t;
        List<Long> ids = new ArrayList<>(r.subxacts());
        ids.add(0, r.tx());
        if (suspect.xid().isPresent()) {
            if (ids.contains(suspect.xid().get())) {
                pin(r, t, ids, "its xid " + suspect.xid().get() + " (from the log)", segments);
            } else {
                record(r, t);
            }
            return;
        }
        if (t.isBefore(suspect.windowStart())) {
            record(r, t);
            ids.forEach(this::forget);
            return;
        }
        boolean atOrAfterStart = !t.isBefore(suspect.startBound());
        boolean any = ids.stream().anyMatch(touched::contains);
        boolean creates = ids.stream().anyMatch(created::contains);
        List<RelFileNode> dropped = r.droppedFiles();
        switch (suspect.touch()) {
            case DELETE, UPDATE -> {
                if (creates && atOrAfterStart) { // the file the live server names did not exist when the statement ran
                    abandoned = Optional.of("the table's file " + suspect.relation() + " was made by transaction " + r.tx()
                            + ", committed " + t + " after the statement started (a TRUNCATE, VACUUM FULL, CLUSTER or"
                            + " ALTER TABLE rewrote it): the live file cannot identify the statement's transaction");
                    return;
                }
                if (any && atOrAfterStart) {
                    pin(r, t, ids, "its " + suspect.touch() + " records on the table's file " + suspect.relation()
                            + " (" + suspect.relationSource() + ")", segments);
                    return;
                }
            }
            case DROP, TRUNCATE -> {
                boolean dropsInDatabase = dropped.stream().anyMatch(f -> suspect.databaseOid().isEmpty()
                        || f.database() == suspect.databaseOid().getAsLong());
                boolean dropsTheTable = dropped.stream().anyMatch(suspect.relation()::contains);
                if (atOrAfterStart && (creates || dropsTheTable)) {
                    pin(r, t, ids, (creates ? "it made the table's current file " : "it dropped the table's file ")
                            + suspect.relation() + " (" + suspect.relationSource() + ")", segments);
                    return;
                }
                if (dropsInDatabase) {
                    if (atOrAfterStart && position >= suspect.skip()) {
                        pin(r, t, ids, "the first commit dropping relation files"
                                + suspect.databaseOid().stream().mapToObj(d -> " in database " + d).findFirst().orElse("")
                                + " at or after the statement's start" + (suspect.skip() == 0 ? "" : ", past "
                                + suspect.skip() + " file-dropping statement(s) logged just before it")
                                + " (its own commit drops " + dropped + ")", segments);
                        return;
                    }
                    position++;
                }
            }
            default -> throw new IllegalStateException();
        }
        record(r, t);
        ids.forEach(this::forget);
    }

    private void record(WaldumpRecord r, Instant t) {
        commitLsns.add(r.lsn());
        commitTimes.add(t);
        commitXids.add(r.tx());
    }

    private void pin(WaldumpRecord commit, Instant t, List<Long> ids, String matchedBy, List<String> segments) {
        Lsn firstLsn = ids.stream().map(first::get).filter(java.util.Objects::nonNull).min(Lsn::compareTo)
                .orElse(commit.lsn());
        long lowest = ids.stream().mapToLong(Long::longValue).min().orElse(commit.tx());
        boolean proven = runningXacts.stream().anyMatch(rx -> Long.compareUnsigned(rx[0], firstLsn.value()) < 0
                && rx[1] <= lowest);
        int between = 0;
        Instant from = null;
        Instant to = null;
        for (int i = 0; i < commitLsns.size(); i++) {
            if (commitLsns.get(i).compareTo(firstLsn) > 0 && !ids.contains(commitXids.get(i))) {
                between++;
                from = from == null ? commitTimes.get(i) : from;
                to = commitTimes.get(i);
            }
        }
        String desc = commit.desc().length() > 200 ? commit.desc().substring(0, 200) + "..." : commit.desc();
        found = Optional.of(new PinnedTransaction(commit.tx(), ids.subList(1, ids.size()), firstLsn, proven,
                commit.lsn(), t, desc, between, Optional.ofNullable(from), Optional.ofNullable(to),
                ids.stream().anyMatch(locked::contains), matchedBy, List.copyOf(segments)));
    }
}
