package dev.pitr.restore;

import java.util.Optional;

/** What a step leaves in the journal: the bytes it moved, and (VERIFY) where the copy stands. */
public record StepResult(long bytes, Optional<RestoreJournal.RecoveredPoint> recovered) {
    public static final StepResult NONE = new StepResult(0, Optional.empty());

    public static StepResult bytes(long bytes) {
        return new StepResult(bytes, Optional.empty());
    }

    public static StepResult recovered(RestoreJournal.RecoveredPoint point) {
        return new StepResult(0, Optional.of(point));
    }
}
