package dev.pitr.target;

import dev.pitr.core.PitrException;
import dev.pitr.restore.RecoveryTarget;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.PinnedTransaction;

import java.util.Optional;

/**
 * The target a restore takes from the log: find the statement, sharpen it with the WAL when the archive is
 * at hand, and choose the recovery target, refusing with the reason when the log cannot bound it.
 */
public final class TargetFromLog {
    /** The statement chosen, what pitr recommends for it, and the target that recommendation means. */
    public record Choice(Candidate candidate, Recommendation recommendation, RecoveryTarget target) {
        /** The transaction the WAL pinned, when it did. */
        public Optional<PinnedTransaction> pinned() {
            return recommendation.pinned();
        }
    }

    private TargetFromLog() {
    }

    /** Scans the logs and, with the WAL at hand, refines the best candidate through it. */
    public static TargetFinder.Result search(TargetQuery query, Optional<WalRefinement> wal,
                                             java.util.function.Consumer<String> notices) {
        return search(query, wal, Optional.empty(), Optional.empty(), notices);
    }

    /**
     * As above; and when the logs show no statement on the table that may have committed (none read, or
     * {@code log_statement} did not log it, or it ran inside a function), the table is looked for in the WAL
     * alone through {@code walAlone}; {@code pick} names a transaction among those it finds.
     */
    public static TargetFinder.Result search(TargetQuery query, Optional<WalRefinement> wal,
                                             Optional<TargetFromWal> walAlone, Optional<Long> pick,
                                             java.util.function.Consumer<String> notices) {
        Optional<TargetFinder.Result> fromLog = query.logs().isEmpty() ? Optional.empty()
                : Optional.of(new TargetFinder(notices).find(query));
        boolean logShowsIt = fromLog.map(r -> r.candidates().stream().anyMatch(Candidate::committed)).orElse(false);
        if (logShowsIt || walAlone.isEmpty() || query.table().isEmpty()) {
            TargetFinder.Result result = fromLog.orElseThrow(() -> PitrException.usage("no logs given: pass --log"
                    + " FILE|DIR or set log-directory for the cluster in pitr.yaml (or --table with --wal: the WAL alone)"));
            return wal.map(w -> w.refine(result, query.table())).orElse(result);
        }
        String why = fromLog.map(r -> "the logs (" + r.stats().files().size() + " file(s), " + r.stats().lines()
                + " lines) show no statement on " + query.table().get() + " that may have committed"
                + (r.candidates().isEmpty() ? "" : " (" + r.candidates().size() + " set aside: rolled back or failed)"))
                .orElse("no log was read");
        notices.accept(why + ": searching the archived WAL alone");
        return walAlone.get().find(new TargetFromWal.Search(query.table().get(), query.since(), query.until(), pick),
                java.util.List.of(why));
    }

    /** The recommendation as a target; refused when nothing matched or the log cannot bound the statement. */
    public static Choice choose(TargetFinder.Result result) {
        Candidate best = result.candidates().stream().filter(Candidate::committed).findFirst().orElseThrow(() ->
                PitrException.usage("no matching statement in the logs: run 'pitr target find' with the same flags to see why"));
        Recommendation rec = result.recommendation().orElseThrow(() -> unbounded(best));
        RecoveryTarget target = switch (rec.kind()) {
            case LSN -> new RecoveryTarget.AtLsn(Lsn.parse(rec.settings().get("recovery_target_lsn")));
            case XID -> new RecoveryTarget.Xid(rec.xid());
            case TIME -> new RecoveryTarget.Time(rec.time());
        };
        return new Choice(best, rec, target);
    }

    /** Why the best candidate yields no target: the log did not say when it ran. */
    public static PitrException unbounded(Candidate c) {
        return PitrException.verification("cannot bound when '" + firstLine(c.sql()) + "' [" + c.location() + "] started: "
                + c.basis().describe() + "; run 'pitr target find --wal' (the WAL pins its transaction) or add %m to log_line_prefix");
    }

    static String firstLine(String sql) {
        return sql.lines().findFirst().orElse("");
    }
}
