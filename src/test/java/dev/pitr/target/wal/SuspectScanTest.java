package dev.pitr.target.wal;

import dev.pitr.wal.Lsn;
import dev.pitr.wal.PinnedTransaction;
import dev.pitr.wal.RelFileNode;
import dev.pitr.wal.WaldumpRecord;

import dev.pitr.core.Json;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** pg_waldump output of a real PostgreSQL 15 (database shop = OID 16384, table t's file 16386). */
class SuspectScanTest {
    static final List<String> WAL = List.of(
            "rmgr: Standby     len (rec/tot):     50/    50, tx:          0, lsn: 0/02000028, prev 0/01000148, desc: RUNNING_XACTS nextXid 726 latestCompletedXid 725 oldestRunningXid 726",
            "rmgr: Heap        len (rec/tot):     54/    54, tx:        727, lsn: 0/02000060, prev 0/02000028, desc: DELETE off 1 flags 0x00 KEYS_UPDATED , blkref #0: rel 1663/16384/16386 blk 0",
            "rmgr: Heap        len (rec/tot):     71/    71, tx:        726, lsn: 0/02000098, prev 0/02000060, desc: HOT_UPDATE off 2 xmax 726 flags 0x60 ; new off 6 xmax 0, blkref #0: rel 1663/16384/16386 blk 0",
            "rmgr: Transaction len (rec/tot):     46/    46, tx:        726, lsn: 0/020001B8, prev 0/02000170, desc: COMMIT 2026-12-01 10:54:48.606904 UTC; subxacts: 727",
            "rmgr: Standby     len (rec/tot):     42/    42, tx:        728, lsn: 0/020001E8, prev 0/020001B8, desc: LOCK xid 728 db 16384 rel 16392 ",
            "rmgr: Storage     len (rec/tot):     42/    42, tx:        728, lsn: 0/02000218, prev 0/020001E8, desc: CREATE base/16384/16395",
            "rmgr: Transaction len (rec/tot):    114/   114, tx:        728, lsn: 0/02000388, prev 0/02000348, desc: COMMIT 2026-12-01 10:54:48.647155 UTC; rels: base/16384/16392; inval msgs: catcache 55 catcache 54 relcache 16392",
            "rmgr: Heap        len (rec/tot):     59/    59, tx:        729, lsn: 0/02000400, prev 0/02000388, desc: INSERT+INIT off 1 flags 0x00, blkref #0: rel 1663/16384/16395 blk 0",
            "rmgr: Standby     len (rec/tot):     42/    42, tx:        729, lsn: 0/02000440, prev 0/02000400, desc: LOCK xid 729 db 16384 rel 16386 ",
            "rmgr: Transaction len (rec/tot):     34/    34, tx:        730, lsn: 0/02000460, prev 0/02000440, desc: COMMIT 2026-12-01 10:54:48.650000 UTC",
            "rmgr: Heap        len (rec/tot):     54/    54, tx:        729, lsn: 0/020004D0, prev 0/020004A0, desc: DELETE off 37 flags 0x00 KEYS_UPDATED , blkref #0: rel 1663/16384/2610 blk 0",
            "rmgr: Transaction len (rec/tot):   1141/  1141, tx:        729, lsn: 0/02000E30, prev 0/02000DF8, desc: COMMIT 2026-12-01 10:54:48.691229 UTC; rels: base/16384/16386 base/16384/16385 base/16384/16390; dropped stats: 2/16384/16390; inval msgs: catcache 32",
            "rmgr: XLOG        len (rec/tot):     24/    24, tx:          0, lsn: 0/020012A8, prev 0/02000E30, desc: SWITCH ");
    static final Instant START = Instant.parse("2026-12-01T10:54:48.500Z");
    static final RelFileNode T = new RelFileNode(1663, 16384, 16386);

    static Optional<PinnedTransaction> scan(SuspectLocator.Suspect s) {
        SuspectScan scan = new SuspectScan(s);
        WAL.forEach(l -> scan.offer(WaldumpRecord.parse(l).orElseThrow(), List.of("000000010000000000000002")));
        return scan.found();
    }

    static SuspectLocator.Suspect suspect(SuspectLocator.Touch touch, Instant start, Set<RelFileNode> rel, int skip) {
        return new SuspectLocator.Suspect(touch, start, start.minusSeconds(2), Optional.empty(), rel, "test",
                OptionalLong.of(16384), skip);
    }

    @Test
    void aDeleteInASavepointIsFoundByItsRecordsOnTheTablesFileAndItsFirstRecordIsTheSubtransactions() {
        PinnedTransaction t = scan(suspect(SuspectLocator.Touch.DELETE, START, Set.of(T), 0)).orElseThrow();
        assertThat(t.xid()).isEqualTo(726);
        assertThat(t.subxacts()).containsExactly(727L);
        assertThat(t.firstLsn()).isEqualTo(Lsn.parse("0/2000060"));
        assertThat(t.firstLsnProven()).as("RUNNING_XACTS before it says 726 had not started").isTrue();
        assertThat(t.commitLsn()).isEqualTo(Lsn.parse("0/20001B8"));
        assertThat(t.holdsExclusiveLock()).isFalse();
        assertThat(scan(suspect(SuspectLocator.Touch.UPDATE, START, Set.of(T), 0)).orElseThrow().xid()).isEqualTo(726);
    }

    @Test
    void aTruncateIsTheTransactionThatMadeTheTablesCurrentFile() {
        PinnedTransaction t = scan(suspect(SuspectLocator.Touch.TRUNCATE, START, Set.of(new RelFileNode(1663, 16384, 16395)),
                0)).orElseThrow();
        assertThat(t.xid()).isEqualTo(728);
        assertThat(t.holdsExclusiveLock()).isTrue();
        assertThat(t.matchedBy()).contains("current file");
    }

    @Test
    void aDropWithoutItsFileIsTheRelationDroppingCommitAtItsPlaceAndCountsWhatFirstRecordWouldLose() {
        PinnedTransaction t = scan(suspect(SuspectLocator.Touch.DROP, START, Set.of(), 1)).orElseThrow();
        assertThat(t.xid()).as("past the TRUNCATE logged just before it").isEqualTo(729);
        assertThat(t.firstLsn()).isEqualTo(Lsn.parse("0/2000400"));
        assertThat(t.commitsBetween()).as("730 committed while 729 was open").isEqualTo(1);
        assertThat(t.holdsExclusiveLock()).isTrue();
        assertThat(scan(suspect(SuspectLocator.Touch.DROP, START, Set.of(), 0)).orElseThrow().xid())
                .as("without the skip the earlier TRUNCATE fits first: earlier, never later").isEqualTo(728);
    }

    @Test
    void commitsBeforeTheStatementStartedNeverFitAndAKnownXidIsTakenAsItIs() {
        Instant late = Instant.parse("2026-12-01T10:54:48.660Z");
        assertThat(scan(suspect(SuspectLocator.Touch.DELETE, late, Set.of(T), 0))).isEmpty();
        assertThat(scan(suspect(SuspectLocator.Touch.DROP, late, Set.of(), 0)).orElseThrow().xid()).isEqualTo(729);
        assertThat(scan(new SuspectLocator.Suspect(SuspectLocator.Touch.DROP, START, START, Optional.of(727L), Set.of(),
                "log", OptionalLong.empty(), 0)).orElseThrow().xid()).as("a subtransaction's xid names its top").isEqualTo(726);
    }

    @Test
    void aDeleteOnAFileMadeAfterTheStatementStartedIsNotPinnedToIt() {
        SuspectScan scan = new SuspectScan(suspect(SuspectLocator.Touch.DELETE, START,
                Set.of(new RelFileNode(1663, 16384, 16395)), 0));
        WAL.forEach(l -> scan.offer(WaldumpRecord.parse(l).orElseThrow(), List.of()));
        assertThat(scan.found()).isEmpty();
        assertThat(scan.abandoned()).hasValueSatisfying(w -> assertThat(w).contains("rewrote it"));
    }

    @Test
    void recordsParse() {
        WaldumpRecord commit = WaldumpRecord.parse(WAL.get(11)).orElseThrow();
        assertThat(commit.time()).contains(Instant.parse("2026-12-01T10:54:48.691229Z"));
        assertThat(commit.droppedFiles()).containsExactly(T, new RelFileNode(1663, 16384, 16385),
                new RelFileNode(1663, 16384, 16390));
        assertThat(RelFileNode.parsePath("pg_tblspc/16400/PG_15_202209061/16384/16401"))
                .contains(new RelFileNode(16400, 16384, 16401));
        assertThat(WaldumpRecord.parse("pg_waldump: error: could not find file")).isEmpty();
        assertThat(Json.mapper().convertValue(Lsn.parse("16/B374D848"), String.class)).isEqualTo("16/B374D848");
        assertThat(Json.mapper().convertValue("0/3000028", Lsn.class)).isEqualTo(Lsn.parse("0/3000028"));
    }
}
