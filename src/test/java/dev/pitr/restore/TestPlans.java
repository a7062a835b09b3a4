package dev.pitr.restore;

import dev.pitr.wal.Lsn;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Plans for tests that need one without a repository: a backup b1 of cluster 42, PostgreSQL 15. */
final class TestPlans {
    private TestPlans() {
    }

    static RestorePlan plan(RecoveryTarget target, String timeline, Path pgdata, int port, List<String> wal,
                            Map<String, Path> tablespaces) {
        return new RestorePlan(
                new RestorePlan.Source("file:///r", "b1", Instant.EPOCH, Lsn.parse("0/3000100"), 1, "42", 15, 16 << 20, 1),
                new RestorePlan.Stop(target, false, timeline, Map.of()),
                new RestorePlan.Destination(pgdata, RestorePlan.stateDirFor(pgdata), port, Optional.empty(), false,
                        tablespaces, 1, 1),
                new RestorePlan.Wal(wal, 1), List.of(), "test", RestoreSubject.of("postgres"));
    }
}
