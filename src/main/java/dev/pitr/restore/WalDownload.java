package dev.pitr.restore;

import dev.pitr.repo.Repository;
import dev.pitr.wal.WalPrefetcher;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The WAL download does not depend on the backup: it starts with FETCH_BACKUP and runs beside the extraction.
 * PREFETCH_WAL still owns the result (it waits for this and fetches whatever is missing), so a crash or a
 * failure here costs nothing but the overlap: spool files appear only complete and verified.
 */
final class WalDownload {
    private final Repository repo;
    private CompletableFuture<Void> early;

    WalDownload(Repository repo) {
        this.repo = repo;
    }

    void startEarly(RestorePlan plan) {
        if (early == null && !plan.walFiles().isEmpty()) {
            early = CompletableFuture.runAsync(() -> new WalPrefetcher(repo).fetchAll(plan.walBeforeReplay(), plan.spool(), 2,
                    n -> { }));
        }
    }

    /** Waits for the early download; why it stopped, if it did. */
    Optional<String> awaitEarly() {
        if (early == null) {
            return Optional.empty();
        }
        try {
            early.join();
            return Optional.empty();
        } catch (CompletionException e) {
            return Optional.of(String.valueOf(e.getCause().getMessage()));
        }
    }
}
