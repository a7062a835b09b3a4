package dev.pitr.wal;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The suspect transaction as the archived WAL shows it: its xid, its first record and its commit, what was
 * committed by others between the two (what stopping before its first record would lose), and whether it held an
 * AccessExclusiveLock (a copy paused before its commit replays that lock and cannot read the table).
 *
 * @param firstLsnProven whether a RUNNING_XACTS record before {@code firstLsn} shows the transaction had not
 *                       started yet; otherwise its first record may lie before the WAL that was read
 * @param matchedBy      how the transaction was recognised, in words (relation file, xid, commit order)
 */
public record PinnedTransaction(long xid, List<Long> subxacts, Lsn firstLsn, boolean firstLsnProven, Lsn commitLsn,
                                Instant commitTime, String commitRecord, int commitsBetween,
                                Optional<Instant> firstCommitBetween, Optional<Instant> lastCommitBetween,
                                boolean holdsExclusiveLock, String matchedBy, List<String> segments) {

    /** The other commits between the first record and the commit, with their time range. */
    public String between() {
        return commitsBetween == 0 ? "no other commit" : commitsBetween + " other commit(s), "
                + firstCommitBetween.map(Instant::toString).orElse("?") + " .. "
                + lastCommitBetween.map(Instant::toString).orElse("?");
    }
}
