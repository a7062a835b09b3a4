package dev.pitr.restore;

import java.util.Optional;

/**
 * The restore runbook as states. The order is the transition table: each state's successor is fixed here and
 * nowhere else; FAILED and ABORTED can be entered from any state.
 */
public enum RestoreState {
    PREFLIGHT("check the target directory, port, binaries, disk and repository"),
    FETCH_BACKUP("download, verify and extract the base backup"),
    PREFETCH_WAL("download the WAL range into the spool ahead of replay"),
    CONFIGURE("write recovery.signal and the recovery settings"),
    REPLAY("start PostgreSQL and replay WAL up to the target"),
    VERIFY("check the server is paused at the target and run the checks"),
    READY("paused at the target: inspect, salvage or promote"),
    PROMOTED("recovery ended; the copy is a writable server on a new timeline"),
    FAILED("a step failed: fix the cause, then 'pitr restore resume'"),
    ABORTED("stopped by 'pitr restore abort'");

    private final String purpose;

    RestoreState(String purpose) {
        this.purpose = purpose;
    }

    public String purpose() {
        return purpose;
    }

    /** The state after this one completes; empty for states that wait for a person (READY) or are final. */
    public Optional<RestoreState> next() {
        return switch (this) {
            case PREFLIGHT -> Optional.of(FETCH_BACKUP);
            case FETCH_BACKUP -> Optional.of(PREFETCH_WAL);
            case PREFETCH_WAL -> Optional.of(CONFIGURE);
            case CONFIGURE -> Optional.of(REPLAY);
            case REPLAY -> Optional.of(VERIFY);
            case VERIFY -> Optional.of(READY);
            case READY, PROMOTED, FAILED, ABORTED -> Optional.empty();
        };
    }

    /** States whose work a machine does (as opposed to resting states). */
    public boolean isStep() {
        return next().isPresent();
    }
}
