package dev.pitr.wal;

import dev.pitr.core.PitrException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Replay's next segments, fetched ahead of it into the spool while it runs, whoever holds the archive: from the
 * segment after {@code last}, at most {@code depth} past the plan and past the segment replay is in, a few at a
 * time. It stops at the first segment the archive does not hold, or on any error: restore_command then fetches
 * that one itself, and reports what is wrong.
 */
public final class FetchAhead {
    /** Fetches one segment into the spool (whole, renamed into place); empty when the archive does not hold it. */
    @FunctionalInterface
    public interface Fetch {
        Optional<Long> fetch(String name) throws Exception;
    }

    private static final Duration POLL = Duration.ofMillis(50);

    private FetchAhead() {
    }

    public static WalPrefetcher.Ahead start(WalSegmentName last, int segmentSize, int depth, int parallel,
                                     LongSupplier replayedSegment, Fetch fetch) {
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel), daemon("pitr-wal-ahead"));
        Thread loop = daemon("pitr-wal-ahead-loop").newThread(() -> {
            long planned = last.segmentNumber(segmentSize);
            long next = planned + 1;
            while (!stop.get()) { // from the start, depth past the plan; then depth past replay
                long room = Math.max(replayedSegment.getAsLong(), planned) + depth - next + 1;
                if (room <= 0) {
                    AsyncArchiver.sleep(POLL);
                    continue;
                }
                List<Future<Optional<Long>>> batch = new ArrayList<>();
                for (long n = next; n < next + Math.min(room, parallel); n++) {
                    String name = WalSegmentName.of(last.timeline(), n, segmentSize).toString();
                    batch.add(pool.submit(() -> fetch.fetch(name)));
                }
                try {
                    for (Future<Optional<Long>> f : batch) {
                        if (get(f).isEmpty()) {
                            return; // the end of the archive
                        }
                        next++;
                    }
                } catch (RuntimeException e) {
                    return; // restore_command meets the same error and says what it is
                }
            }
        });
        loop.start();
        return () -> {
            stop.set(true);
            pool.shutdownNow();
            try {
                loop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** The task's result; its failure as it was thrown. */
    static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PitrException.io("interrupted during prefetch", e);
        }
    }
}
