package dev.pitr.restore;

import dev.pitr.wal.WalSource;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The WAL download does not depend on the backup: it starts with FETCH_BACKUP and runs beside the extraction.
 * PREFETCH_WAL still owns the result (it waits for this and fetches whatever is missing), so a crash or a
 * failure here costs nothing but the overlap: spool files appear only complete and verified.
 */
final class WalDownload {
    private final WalSource archive;
    private CompletableFuture<Void> early;

    WalDownload(WalSource archive) {
        this.archive = archive;
    }

    void startEarly(RestorePlan plan) {
        if (early == null && !plan.walFiles().isEmpty()) {
            early = CompletableFuture.runAsync(() -> archive.fetchAll(plan.walBeforeReplay(), plan.spool(), 2));
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
