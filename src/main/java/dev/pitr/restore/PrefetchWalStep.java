package dev.pitr.restore;

import dev.pitr.core.PitrException;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;

import java.util.List;
import java.util.function.Consumer;

/** PREFETCH_WAL: the start of the planned WAL into the spool, verified; the rest is checked to be archived. */
final class PrefetchWalStep implements Step {
    private static final int PARALLEL = 4;
    private final WalSource archive;
    private final Consumer<String> progress;
    private final WalDownload wal;

    PrefetchWalStep(WalSource archive, Consumer<String> progress, WalDownload wal) {
        this.archive = archive;
        this.progress = progress;
        this.wal = wal;
    }

    @Override
    public StepResult run(RestorePlan plan) {
        wal.awaitEarly().ifPresent(why -> progress.accept("PREFETCH_WAL: the early download stopped (" + why
                + "); retrying"));
        List<String> before = plan.walBeforeReplay();
        int total = before.size();
        archive.fetchAll(before, plan.spool(), PARALLEL, n -> {
            if (n % 16 == 0 || n == total) {
                progress.accept("PREFETCH_WAL: " + n + "/" + total + " files in the spool");
            }
        });
        stillArchived(plan, before);
        return StepResult.bytes(before.stream().mapToLong(name -> plan.spool().resolve(name).toFile().length()).sum());
    }

    /** The planned segments replay fetches later are still in the repository (not expired or moved since). */
    private void stillArchived(RestorePlan plan, List<String> fetched) {
        List<WalSegmentName> later = RestorePlan.segments(plan.walFiles()).stream()
                .filter(s -> !fetched.contains(s.toString())).toList();
        if (later.isEmpty()) {
            return;
        }
        java.util.Set<WalSegmentName> archived = archive.segments(later.get(0).timeline()).keySet();
        later.stream().filter(s -> !archived.contains(s)).findFirst().ifPresent(s -> {
            throw PitrException.verification("WAL segment " + s + ", planned for replay, is no longer in " + archive.location()
                    + ": run 'pitr wal verify', then plan the restore again");
        });
        progress.accept("PREFETCH_WAL: " + later.size() + " more planned segments are archived; they are fetched"
                + " ahead of replay");
    }
}
