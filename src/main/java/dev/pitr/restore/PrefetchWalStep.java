package dev.pitr.restore;

import dev.pitr.repo.Repository;
import dev.pitr.wal.WalPrefetcher;

import java.util.function.Consumer;

/** PREFETCH_WAL: every planned WAL file into the spool, verified, ahead of replay. */
final class PrefetchWalStep implements Step {
    private static final int PARALLEL = 4;
    private final Repository repo;
    private final Consumer<String> progress;
    private final WalDownload wal;

    PrefetchWalStep(Repository repo, Consumer<String> progress, WalDownload wal) {
        this.repo = repo;
        this.progress = progress;
        this.wal = wal;
    }

    @Override
    public StepResult run(RestorePlan plan) {
        wal.awaitEarly().ifPresent(why -> progress.accept("PREFETCH_WAL: the early download stopped (" + why
                + "); retrying"));
        int total = plan.walFiles().size();
        new WalPrefetcher(repo).fetchAll(plan.walFiles(), plan.spool(), PARALLEL, n -> {
            if (n % 16 == 0 || n == total) {
                progress.accept("PREFETCH_WAL: " + n + "/" + total + " files in the spool");
            }
        });
        return StepResult.bytes(plan.walFiles().stream().mapToLong(name -> plan.spool().resolve(name).toFile().length()).sum());
    }
}
