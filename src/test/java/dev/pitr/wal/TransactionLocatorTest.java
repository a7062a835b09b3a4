package dev.pitr.wal;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class TransactionLocatorTest {
    @Test
    void findsTheDroppingCommitAndTheTransactionsFirstRecord() throws Exception {
        var m = TransactionLocator.class.getDeclaredMethod("match", List.class, Instant.class, Optional.class, List.class);
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
        @SuppressWarnings("unchecked")
        Optional<TransactionLocator.Located> found = (Optional<TransactionLocator.Located>) m.invoke(null, records,
                Instant.parse("2026-11-24T11:02:41.551Z"), Optional.empty(), List.of("seg"));
        TransactionLocator.Located l = found.orElseThrow();
        assertThat(l.xid()).isEqualTo(740);
        assertThat(l.firstLsn()).isEqualTo("0/5093B00");
        assertThat(l.commitLsn()).isEqualTo("0/509F370");
        assertThat(l.otherCommitsBetween()).as("xid 741 commits between the LOCK and the DROP's commit").isEqualTo(1);
    }
}
