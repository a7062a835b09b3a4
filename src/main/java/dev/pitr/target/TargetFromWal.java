package dev.pitr.target;

import dev.pitr.target.log.LogTime;
import dev.pitr.target.log.ScanStats;
import dev.pitr.target.sql.DestructiveStatement;

import dev.pitr.core.PitrException;
import dev.pitr.target.wal.LiveRelations;
import dev.pitr.target.wal.RelationLookup;
import dev.pitr.target.wal.TableForensics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The mistake found from the archived WAL alone, when no log shows it: the table's files (from the live server,
 * or for a dropped table from a backup's catalog), every committed transaction that destroyed its rows or files,
 * and a target just before the commit of the one chosen: the one the user names, else the most destructive
 * (what a mistake does: the files removed or replaced, else the most rows), the newest of equals.
 *
 * @param live   the live server's view of the table
 * @param before the catalog as of before the mistake, asked when the live server has no such table
 */
public record TargetFromWal(TableForensics forensics, RelationLookup live, RelationLookup before, String database,
                            StopBefore stop) {

    /** What to look for: the table, the time range, and a transaction the user picked among those found. */
    public record Search(DestructiveStatement.QualifiedName table, Optional<Instant> since, Optional<Instant> until,
                         Optional<Long> pick) {
    }

    public TargetFinder.Result find(Search s, List<String> notes) {
        Optional<String> schema = Optional.ofNullable(s.table().schema());
        LiveRelations.Lookup files = live.lookup(database, schema, s.table().name());
        if (files.files().isEmpty()) {
            LiveRelations.Lookup fromBackup = before.lookup(database, schema, s.table().name());
            if (fromBackup.files().isEmpty()) {
                throw PitrException.verification("cannot search the WAL for " + s.table() + ": its files are unknown ("
                        + files.note() + "; " + fromBackup.note() + ")");
            }
            files = fromBackup;
        }
        TableForensics.Scan scan = forensics.scan(files.files(), s.since(), s.until());
        List<String> warnings = new ArrayList<>(notes);
        warnings.add("the WAL alone: " + scan.read() + "; the table's files " + files.files() + " from " + files.note());
        if (scan.newestFirst().isEmpty()) {
            return new TargetFinder.Result(List.of(), Optional.empty(), new ScanStats(), List.of(), Optional.empty(),
                    "UTC", List.copyOf(warnings));
        }
        List<Candidate> candidates = new ArrayList<>();
        for (TableForensics.Destruction d : scan.newestFirst()) {
            candidates.add(candidate(s.table(), d, files));
        }
        TableForensics.Destruction chosen = s.pick().map(x -> scan.newestFirst().stream()
                        .filter(d -> d.transaction().xid() == x).findFirst().orElseThrow(() -> PitrException.usage(
                                "transaction " + x + " is not among those the WAL shows destroying " + s.table() + ": "
                                        + scan.newestFirst().stream().map(d -> Long.toString(d.transaction().xid())).toList())))
                .orElseGet(() -> mostDestructive(scan.newestFirst()));
        Candidate best = candidates.get(scan.newestFirst().indexOf(chosen));
        candidates.remove(best);
        candidates.add(0, best);
        if (s.pick().isEmpty() && scan.newestFirst().size() > 1) {
            warnings.add("recommended transaction " + chosen.transaction().xid() + ", the most destructive of "
                    + scan.newestFirst().size() + "; another is chosen with --xid-from-wal XID");
        }
        return new TargetFinder.Result(List.copyOf(candidates), Optional.of(WalRefinement.pinned(best, chosen.transaction(),
                stop)), new ScanStats(), List.of(), Optional.empty(), "UTC", List.copyOf(warnings));
    }

    /** Files removed or replaced outrank rows; more rows outrank fewer; the newest of equals (the list is newest first). */
    static TableForensics.Destruction mostDestructive(List<TableForensics.Destruction> newestFirst) {
        Comparator<TableForensics.Destruction> harm = Comparator
                .comparing((TableForensics.Destruction d) -> d.removedFiles() || d.madeCurrentFile())
                .thenComparingLong(d -> d.deleted() + d.updated());
        TableForensics.Destruction best = newestFirst.get(0);
        for (TableForensics.Destruction d : newestFirst) {
            if (harm.compare(d, best) > 0) {
                best = d;
            }
        }
        return best;
    }

    private Candidate candidate(DestructiveStatement.QualifiedName table, TableForensics.Destruction d,
                                LiveRelations.Lookup files) {
        var t = d.transaction();
        DestructiveStatement.Kind kind = d.removedFiles() ? DestructiveStatement.Kind.DROP_TABLE
                : d.madeCurrentFile() ? DestructiveStatement.Kind.TRUNCATE
                : d.deleted() >= d.updated() ? DestructiveStatement.Kind.DELETE_WITHOUT_WHERE
                : DestructiveStatement.Kind.UPDATE_WITHOUT_WHERE;
        return new Candidate(new Candidate.What("(from the WAL) transaction " + t.xid() + ": " + d.what(), kind,
                List.of(table.toString())), new Candidate.When(t.commitTime(), t.commitTime().toString(),
                LogTime.Precision.MICROS, t.commitTime(), new Basis.FromWal(t.commitTime(), t.commitLsn(), files.files().toString())),
                new Candidate.Who(database, null, null, null, t.xid()), Candidate.Outcome.MAY_HAVE_COMMITTED, 0,
                new Candidate.Place("wal:" + t.segments().get(0), -1, 0));
    }
}
