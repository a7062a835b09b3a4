package dev.pitr.wal;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class TransactionLocatorTest {
    /** Runs the locator's matching on records, with the log time 11:02:41.551 and a 2 s window before it. */
    @SuppressWarnings("unchecked")
    private static Optional<TransactionLocator.Located> match(java.lang.reflect.Method m, List<Object> records, int skip)
            throws Exception {
        return (Optional<TransactionLocator.Located>) m.invoke(null, records, Instant.parse("2026-11-24T11:02:39.551Z"),
                Instant.parse("2026-11-24T11:02:41.551Z"), Optional.empty(), skip, List.of("seg"));
    }

    @Test
    void findsTheDroppingCommitAndTheTransactionsFirstRecord() throws Exception {
        var m = TransactionLocator.class.getDeclaredMethod("match", List.class, Instant.class, Instant.class, Optional.class, int.class, List.class);
        m.setAccessible(true);
        Class<?> rec = Class.forName("dev.pitr.wal.TransactionLocator$Rec");
        var ctor = rec.getDeclaredConstructor(String.class, long.class, Lsn.class, String.class);
        ctor.setAccessible(true);
        List<Object> records = List.of(
                ctor.newInstance("Transaction", 739L, Lsn.parse("0/5093000"), "COMMIT 2026-11-24 11:02:41.540171 UTC"),
                ctor.newInstance("Standby", 0L, Lsn.parse("0/5093B00"), "LOCK xid 740 db 5 rel 16384 "),
                ctor.newInstance("Heap", 740L, Lsn.parse("0/5093C00"), "DELETE off 1"),
                ctor.newInstance("Transaction", 741L, Lsn.parse("0/5094000"), "COMMIT 2026-11-24 11:02:41.551100 UTC"),
                ctor.newInstance("Transaction", 740L, Lsn.parse("0/509F370"),
                        "COMMIT 2026-11-24 11:02:41.551892 UTC; rels: base/5/16384; dropped stats: 2/5/16384"));
        Optional<TransactionLocator.Located> found = match(m, records, 0);
        TransactionLocator.Located l = found.orElseThrow();
        assertThat(l.xid()).isEqualTo(740);
        assertThat(l.firstLsn()).isEqualTo("0/5093B00");
        assertThat(l.commitLsn()).isEqualTo("0/509F370");
        assertThat(l.otherCommitsBetween()).as("xid 741 commits between the LOCK and the DROP's commit").isEqualTo(1);

        // a decoy DROP logged in the same millisecond, before the suspect one, commits first: skip it
        List<Object> withDecoy = new java.util.ArrayList<>(records);
        withDecoy.add(1, ctor.newInstance("Transaction", 738L, Lsn.parse("0/5093A00"),
                "COMMIT 2026-11-24 11:02:41.551050 UTC; rels: base/5/16999"));
        Optional<TransactionLocator.Located> naive = match(m, withDecoy, 0);
        assertThat(naive.orElseThrow().xid()).isEqualTo(738);
        Optional<TransactionLocator.Located> skipped = match(m, withDecoy, 1);
        assertThat(skipped.orElseThrow().xid()).isEqualTo(740);

        // a decoy that committed before the printed time is never the match, whatever the count says
        List<Object> decoyBefore = new java.util.ArrayList<>(records);
        decoyBefore.add(1, ctor.newInstance("Transaction", 737L, Lsn.parse("0/5093900"),
                "COMMIT 2026-11-24 11:02:41.550900 UTC; rels: base/5/16998"));
        Optional<TransactionLocator.Located> early = match(m, decoyBefore, 0);
        assertThat(early.orElseThrow().xid()).isEqualTo(740);
    }
}
