package dev.pitr.target;

import dev.pitr.target.sql.DestructiveStatement;

import dev.pitr.pg.PgConnection;
import dev.pitr.target.wal.LiveRelations;
import dev.pitr.wal.PinnedTransaction;
import dev.pitr.wal.RelFileNode;
import dev.pitr.target.wal.SuspectLocator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Sharpens the log's recommendation with the archived WAL: the suspect transaction is found by what it did to
 * the table (the files the live server names, the files its commit drops, or its xid), and the target becomes
 * just before its commit (or its first record, on request). When the WAL cannot pin it, the log's target stays
 * and the recommendation says why.
 *
 * @param server   the live server, when one is configured (it names the table's files and database)
 * @param database the database to look the table up in when the log does not name one
 */
public record WalRefinement(SuspectLocator locator, Optional<PgConnection> server, Optional<String> database,
                            StopBefore stop) {

    public TargetFinder.Result refine(TargetFinder.Result result, Optional<DestructiveStatement.QualifiedName> table) {
        Optional<Candidate> best = result.candidates().stream().filter(Candidate::committed).findFirst();
        if (best.isEmpty() || best.get().time() == null || result.recommendation().isEmpty()) {
            return result;
        }
        Candidate c = best.get();
        Recommendation fromLog = result.recommendation().get();
        Optional<SuspectLocator.Touch> touch = touch(c.kind());
        Optional<Long> xid = Optional.ofNullable(c.xid());
        if (touch.isEmpty() && xid.isEmpty()) {
            return result.withRecommendation(fromLog.notPinnedBecause("a " + c.kind() + " changes no table file the WAL"
                    + " search follows; add %x to log_line_prefix so the log names its transaction"));
        }
        Optional<DestructiveStatement.QualifiedName> name = table.or(() -> c.objects().stream().findFirst()
                .map(DestructiveStatement.QualifiedName::parse));
        Optional<String> db = Optional.ofNullable(c.database()).or(() -> database);
        LiveRelations.Lookup live = server.flatMap(s -> db.flatMap(d -> name.map(n ->
                        LiveRelations.of(s, d, Optional.ofNullable(n.schema()), n.name()))))
                .orElse(new LiveRelations.Lookup(Optional.empty(), Set.of(), server.isEmpty()
                        ? "no live server is configured" : db.isEmpty() ? "the log names no database (no %d) and none"
                        + " was given with --database" : "no table name"));
        SuspectLocator.Touch how = touch.orElse(SuspectLocator.Touch.DROP);
        // a dropped table's live namesake is another table: only statements that keep the table use its files
        Set<RelFileNode> files = how == SuspectLocator.Touch.DROP ? Set.of() : live.files();
        if (xid.isEmpty() && files.isEmpty() && (how == SuspectLocator.Touch.DELETE || how == SuspectLocator.Touch.UPDATE)) {
            return result.withRecommendation(fromLog.notPinnedBecause("a " + c.kind() + " is found in the WAL by the"
                    + " table's file, which the live server names, and " + live.note() + "; with the primary reachable"
                    + " (config port/database, or --database) or %x in log_line_prefix it is pinned exactly"));
        }
        // commits are filtered by database only when the log names databases, so both sides count the same
        boolean byDatabase = c.database() != null && live.databaseOid().isPresent();
        int skip = TargetFinder.droppersBefore(c, result.relationDroppers(), byDatabase);
        SuspectLocator.Suspect suspect = new SuspectLocator.Suspect(how, c.time(), c.time().minus(TargetFinder.ALIGN_WINDOW),
                xid, files, live.note(), byDatabase ? OptionalLong.of(live.databaseOid().get()) : OptionalLong.empty(), skip);
        SuspectLocator.Outcome outcome = locator.locate(suspect);
        if (outcome instanceof SuspectLocator.Outcome.Pinned p) {
            return result.withRecommendation(pinned(c, p.transaction(), stop));
        }
        return result.withRecommendation(fromLog.notPinnedBecause(((SuspectLocator.Outcome.NotPinned) outcome).why()));
    }

    /** What the statement does to its table's files, for the kinds the WAL search follows. */
    static Optional<SuspectLocator.Touch> touch(DestructiveStatement.Kind kind) {
        return switch (kind) {
            case DROP_TABLE, DROP_INDEX, DROP_MATERIALIZED_VIEW -> Optional.of(SuspectLocator.Touch.DROP);
            case TRUNCATE -> Optional.of(SuspectLocator.Touch.TRUNCATE);
            case DELETE_WITHOUT_WHERE -> Optional.of(SuspectLocator.Touch.DELETE);
            case UPDATE_WITHOUT_WHERE -> Optional.of(SuspectLocator.Touch.UPDATE);
            default -> Optional.empty();
        };
    }

    static Recommendation pinned(Candidate c, PinnedTransaction t, StopBefore stop) {
        Map<String, String> settings = new LinkedHashMap<>();
        String window;
        Recommendation.Kind kind;
        if (stop == StopBefore.FIRST_RECORD) {
            kind = Recommendation.Kind.LSN;
            settings.put("recovery_target_lsn", t.firstLsn().toString());
            window = "exact: stops at " + t.firstLsn() + ", the first WAL record of transaction " + t.xid()
                    + (t.firstLsnProven() ? "" : " that was read (it may have written earlier)")
                    + "; other commits lost in between: " + t.commitsBetween() + (t.commitsBetween() == 0 ? ""
                    : " (" + t.between() + "); --stop-before commit keeps them");
        } else {
            kind = Recommendation.Kind.XID;
            settings.put("recovery_target_xid", Long.toString(t.xid()));
            window = "exact: stops just before transaction " + t.xid() + " commits (" + t.commitLsn() + ", "
                    + t.commitTime() + "); no other commit is lost (stopping before its first record "
                    + t.firstLsn() + " would lose " + t.between() + ")" + (t.holdsExclusiveLock()
                    ? "; it holds an AccessExclusiveLock, so a side-by-side copy ends recovery there and the table"
                    + " is readable" : "");
        }
        settings.put("recovery_target_inclusive", "off");
        List<String> segs = t.segments();
        String where = segs.isEmpty() ? "" : segs.size() == 1 ? segs.get(0) : segs.get(0) + " .. " + segs.get(segs.size() - 1);
        return new Recommendation(kind, t.xid(), c.time(), false, window, "WAL segments " + where + " show transaction "
                + t.xid() + " (recognised by " + t.matchedBy() + ") committing at " + t.commitLsn() + " ("
                + t.commitRecord() + ")", settings, Optional.of(t), Optional.empty());
    }
}
