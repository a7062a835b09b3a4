package dev.pitr.restore;

/** What is done to a restored copy outside the steps: its state directory, the checks before a resume, promotion. */
public interface CopyLifecycle {
    /** The state directory beside PGDATA (journal, spool, server log), the server user's. */
    void prepareStateDir(RestorePlan plan);

    /** Before a resume at {@code next}: what the steps still to run need is checked again. */
    void checkResumable(RestorePlan plan, RestoreState next);

    /** In place, before promoting: archiving back on, so the new timeline reaches the repository. */
    void resumeArchiving(RestorePlan plan);

    /** Ends recovery: the copy becomes writable (already done when recovery ended at the target). */
    void promote(RestorePlan plan);

    void stopServer(RestorePlan plan);
}
