package dev.pitr.wal;

import dev.pitr.core.Wait;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;

import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Asynchronous archiving, the way a busy primary needs it: PostgreSQL's archiver calls archive_command for one
 * segment at a time, so one background pusher per spool uploads everything marked {@code .ready} in parallel
 * and acknowledges each segment in the {@link ArchiveSpool} once it is durable. The per-call command then only
 * waits for (usually: finds) the acknowledgement.
 */
public final class AsyncArchiver {
    private static final Duration POLL = Duration.ofMillis(20);
    /** How long a freshly started pusher may take to come up (a JVM start) before its absence is an error. */
    private static final Duration START_GRACE = Duration.ofSeconds(10);

    private final ArchiveSpool spool;
    private final Consumer<String> verbose;

    public AsyncArchiver(ArchiveSpool spool, Consumer<String> verbose) {
        this.spool = spool;
        this.verbose = verbose;
    }

    // ---- the per-call side (archive_command) ------------------------------------------------------------------

    /**
     * Returns once {@code walFile} is acknowledged; starts the pusher when none runs. Throws the pusher's error
     * for this segment (so PostgreSQL's archiver logs it and retries), or a timeout.
     */
    public void awaitDurable(Path walFile, Runnable startPusher, Duration timeout) {
        String name = walFile.getFileName().toString();
        long deadline = System.nanoTime() + timeout.toNanos();
        long startedAt = 0;
        while (true) {
            if (spool.isAcknowledged(name, readyFile(walFile))) {
                return;
            }
            Optional<ArchiveSpool.Failure> failed = spool.takeFailure(name);
            if (failed.isPresent()) {
                throw failed.get().toException();
            }
            if (!spool.pusherRunning()) {
                Optional<ArchiveSpool.Failure> pusherFailed = spool.takePusherFailure();
                if (startedAt != 0 && pusherFailed.isPresent()) {
                    throw pusherFailed.get().toException();
                }
                if (startedAt != 0 && System.nanoTime() - startedAt > START_GRACE.toNanos()) {
                    throw PitrException.io("the background pusher exited without archiving " + name + "; see "
                            + spool.log(), null);
                }
                if (startedAt == 0) {
                    verbose.accept("starting the background pusher for " + spool.dir());
                    startPusher.run();
                    startedAt = System.nanoTime();
                }
            }
            if (System.nanoTime() > deadline) {
                throw PitrException.io(name + " was not archived within " + timeout.toSeconds()
                        + " s by the background pusher (see " + spool.log() + "); PostgreSQL will retry", null);
            }
            sleep(POLL);
        }
    }

    // ---- the pusher ---------------------------------------------------------------------------------------------

    /**
     * Pushes every {@code .ready} file of {@code pgWal} with {@code processMax} uploads in flight until nothing
     * has been ready for {@code idleExit}. Returns at once when another pusher holds the spool.
     */
    public void runPusher(Path pgWal, WalArchiver archiver, int processMax, Duration idleExit) {
        Optional<FileLock> lock = lockWithin(Duration.ofSeconds(2));
        if (lock.isEmpty()) {
            verbose.accept("another pusher is running for " + spool.dir());
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, processMax));
        Set<String> inFlight = ConcurrentHashMap.newKeySet();
        spool.recordPusher(ProcessHandle.current().pid());
        try {
            long lastWork = System.nanoTime();
            while (true) {
                Set<String> ready = readyFiles(pgWal);
                spool.forgetAllBut(ready);
                List<String> todo = ready.stream()
                        .filter(n -> !inFlight.contains(n) && !spool.hasFailed(n)
                                && !spool.isAcknowledged(n, readyFile(pgWal.resolve(n))))
                        .sorted().toList();
                for (String name : todo) {
                    inFlight.add(name);
                    pool.submit(() -> pushOne(pgWal.resolve(name), archiver, inFlight));
                }
                if (!todo.isEmpty() || !inFlight.isEmpty()) {
                    lastWork = System.nanoTime();
                } else if (System.nanoTime() - lastWork > idleExit.toNanos()) {
                    verbose.accept("nothing to archive for " + idleExit.toSeconds() + " s; the pusher exits");
                    return;
                }
                sleep(POLL);
            }
        } finally {
            pool.shutdown();
            awaitQuietly(pool);
            spool.forgetPusher();
            ArchiveSpool.release(lock.get());
        }
    }

    private void pushOne(Path file, WalArchiver archiver, Set<String> inFlight) {
        String name = file.getFileName().toString();
        try {
            archiver.push(file);
            spool.acknowledge(name); // only now: the object is complete under its final key
        } catch (PitrException e) {
            verbose.accept(name + ": " + e.getMessage());
            spool.fail(name, new ArchiveSpool.Failure(e.exitCode(), e.getMessage()));
        } catch (RuntimeException e) {
            verbose.accept(name + ": " + e);
            spool.fail(name, new ArchiveSpool.Failure(ExitCode.IO_FAILURE, name + ": " + e.getMessage()));
        } finally {
            inFlight.remove(name);
        }
    }

    /** Whether PostgreSQL marked this file ready for archiving (the pusher only takes those). */
    public static boolean isMarkedReady(Path walFile) {
        return Files.exists(readyFile(walFile));
    }

    /** PostgreSQL's note that {@code walFile} waits to be archived. */
    static Path readyFile(Path walFile) {
        return walFile.resolveSibling("archive_status").resolve(walFile.getFileName() + ".ready");
    }

    private static Set<String> readyFiles(Path pgWal) {
        Path status = pgWal.resolve("archive_status");
        try (Stream<Path> files = Files.list(status)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ready"))
                    .map(n -> n.substring(0, n.length() - ".ready".length()))
                    .filter(n -> WalFileName.parse(n).isPresent())
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw PitrException.io("cannot list " + status + " (" + e.getMessage() + "): is --pg-wal the server's"
                    + " pg_wal directory?", e);
        }
    }

    private Optional<FileLock> lockWithin(Duration wait) {
        // a per-call command probing the lock holds it for an instant
        return Wait.forValue(spool::tryLock, wait, POLL);
    }

    private static void awaitQuietly(ExecutorService pool) {
        try {
            pool.awaitTermination(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PitrException.io("interrupted", e);
        }
    }
}
