package dev.pitr.restore;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the user asked for (and, from the log, the transaction the WAL pinned); the planner makes a {@link RestorePlan}. */
public record RestoreRequest(RecoveryTarget target, boolean inclusive, String timeline, Path pgdata,
                             Optional<Integer> port, Optional<String> backupId, List<String> checks, boolean inPlace,
                             boolean delta, Map<String, String> tablespaceMap,
                             RestoreSubject subject) {
    public RestoreRequest(RecoveryTarget target, boolean inclusive, String timeline, Path pgdata, Optional<Integer> port,
                          Optional<String> backupId, List<String> checks) {
        this(target, inclusive, timeline, pgdata, port, backupId, checks, false, false, Map.of(), RestoreSubject.of("postgres"));
    }
}
