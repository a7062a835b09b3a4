package dev.pitr.wal;

import dev.pitr.repo.RepositoryException;
import dev.pitr.core.AtomicFiles;
import dev.pitr.core.Ownership;
import dev.pitr.core.PitrException;
import dev.pitr.repo.IdentityStore;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryIdentity;
import dev.pitr.repo.RepositoryLayout;

import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Downloads WAL ahead of replay into a spool directory, verified, so that restore_command is a local copy.
 * Spool files appear atomically (temp + rename): a file that is there is complete.
 */
public final class WalPrefetcher {
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration END_OF_ARCHIVE_POLL = Duration.ofSeconds(1);

    private final Repository repo;
    private final WalFetcher fetcher;

    public WalPrefetcher(Repository repo) {
        this.repo = repo;
        this.fetcher = new WalFetcher(repo, Optional.empty(), s -> { });
    }

    /** Fetches {@code names} into {@code dir} with {@code parallel} downloads; returns the bytes written. */
    public long fetchAll(List<String> names, Path dir, int parallel, Consumer<Integer> done) {
        AtomicLong bytes = new AtomicLong();
        AtomicLong count = new AtomicLong();
        Ownership owner = Ownership.of(dir);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel));
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (String name : names) {
                jobs.add(pool.submit(() -> {
                    if (!Files.exists(dir.resolve(name))) {
                        bytes.addAndGet(fetchOne(name, dir, owner).orElseThrow(() -> new RepositoryException(
                                "WAL object " + WalArchive.keyOf(WalFileName.parseOrThrow(name))
                                        + " vanished from " + repo.url() + " during the restore")));
                    }
                    done.accept((int) count.incrementAndGet());
                    return null;
                }));
            }
            jobs.forEach(FetchAhead::get);
            return bytes.get();
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One file into the spool, verified; empty when the repository does not have it (yet). A restore run as root
     * writes into the server user's spool: {@code owner} makes the file the server's, to rename and reuse.
     */
    private Optional<Long> fetchOne(String name, Path dir, Ownership owner) {
        WalFileName file = WalFileName.parseOrThrow(name);
        String key = WalArchive.keyOf(file);
        Optional<byte[]> object = repo.getBytes(key);
        if (object.isEmpty()) {
            return Optional.empty();
        }
        byte[] raw = fetcher.decodeOrThrow(key, object.get());
        fetcher.checkSegment(file, key, raw);
        try {
            AtomicFiles.writeStream(dir.resolve(name), out -> out.write(raw), owner::apply);
        } catch (IOException e) {
            throw PitrException.io("cannot write " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
        return Optional.of((long) raw.length);
    }

    // ---- wal fetch --async: a queue that follows replay ---------------------------------------------------------

    /** The async fetch spool ({@code <spool>/archive-in}): prefetched segments and the last one asked for. */
    public record Queue(Path dir) {
        public static Queue in(Path spool) {
            try {
                return new Queue(Files.createDirectories(SpoolLayout.archiveIn(spool)));
            } catch (IOException e) {
                throw PitrException.usage("cannot create the fetch spool " + SpoolLayout.archiveIn(spool) + " ("
                        + e.getMessage() + "): give --spool a directory the server user can write");
            }
        }

        /** Records the segment replay asked for (the queue runs ahead of it). */
        public void asked(String name) {
            try {
                AtomicFiles.write(dir.resolve(SpoolLayout.ASKED), name.getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw PitrException.io("cannot write " + dir.resolve(SpoolLayout.ASKED) + ": " + e.getMessage(), e);
            }
        }

        Optional<WalSegmentName> lastAsked() {
            try {
                return WalSegmentName.parse(Files.readString(dir.resolve(SpoolLayout.ASKED)).trim());
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        Optional<FileLock> tryLock() {
            return ArchiveSpool.tryLockFile(dir.resolve("prefetcher.lock"));
        }

        /** Whether a prefetcher holds this queue right now. */
        public boolean prefetcherRunning() {
            return ArchiveSpool.held(dir.resolve("prefetcher.lock"));
        }

        List<WalSegmentName> queued() {
            try (Stream<Path> files = Files.list(dir)) {
                return files.map(p -> WalSegmentName.parse(p.getFileName().toString()))
                        .flatMap(Optional::stream).sorted().toList();
            } catch (IOException e) {
                return List.of();
            }
        }
    }

    /**
     * Keeps up to {@code depth} segments after the last one replay asked for in the queue, fetching
     * {@code parallel} at a time; drops what replay has passed; exits after {@code idleExit} without progress.
     */
    public void followReplay(Queue queue, int depth, int parallel, Duration idleExit) {
        Optional<FileLock> lock = queue.tryLock();
        if (lock.isEmpty()) {
            return; // another prefetcher serves this spool
        }
        int segmentSize = new IdentityStore(repo).read().map(RepositoryIdentity::walSegmentSize).orElse(16 * 1024 * 1024);
        Ownership owner = Ownership.of(queue.dir());
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel));
        try {
            long lastProgress = System.nanoTime();
            while (System.nanoTime() - lastProgress < idleExit.toNanos()) {
                Optional<WalSegmentName> asked = queue.lastAsked();
                if (asked.isEmpty()) {
                    AsyncArchiver.sleep(POLL);
                    continue;
                }
                WalSegmentName from = asked.get();
                for (WalSegmentName q : queue.queued()) { // replay has moved past it, or onto another timeline
                    if (q.timeline() != from.timeline() || q.compareTo(from) <= 0) {
                        queue.dir().resolve(q.toString()).toFile().delete();
                    }
                }
                List<Future<Optional<Long>>> batch = new ArrayList<>();
                long first = from.segmentNumber(segmentSize) + 1;
                for (long n = first; n < first + depth; n++) {
                    String name = WalSegmentName.of(from.timeline(), n, segmentSize).toString();
                    if (!Files.exists(queue.dir().resolve(name))) {
                        batch.add(pool.submit(() -> fetchOne(name, queue.dir(), owner)));
                    }
                }
                boolean fetched = false;
                for (Future<Optional<Long>> f : batch) {
                    fetched |= FetchAhead.get(f).isPresent();
                }
                if (fetched) {
                    lastProgress = System.nanoTime();
                } else if (batch.isEmpty()) {
                    AsyncArchiver.sleep(POLL); // the queue is full: wait for replay to take one
                } else { // the archive ends here for now: do not hammer the store with misses
                    AsyncArchiver.sleep(END_OF_ARCHIVE_POLL);
                }
            }
        } finally {
            pool.shutdownNow();
            ArchiveSpool.release(lock.get());
        }
    }

    // ---- restore: past the planned WAL -------------------------------------------------------------------------

    /** The segments a restore fetches ahead of replay, past its plan, until closed. */
    public interface Ahead extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Replay often reads past the WAL a time target's plan fetched: where the plan stops is judged from when
     * segments were archived, and archiving lags behind a busy primary. So while replay runs, the segments after
     * {@code last} on its timeline are fetched into {@code dir} (verified, renamed into place, so that
     * restore_command copies them without a JVM), at most {@code depth} past the plan and past
     * {@code replayedSegment} (the segment number replay is in, -1 before it is known). It stops at the first segment the repository does
     * not hold, or on any error: then restore_command fetches that one itself, and reports what is wrong.
     */
    public Ahead fetchAhead(WalSegmentName last, int segmentSize, Path dir, int depth, int parallel,
                            java.util.function.LongSupplier replayedSegment) {
        Ownership owner = Ownership.of(dir);
        return FetchAhead.start(last, segmentSize, depth, parallel, replayedSegment,
                name -> Files.exists(dir.resolve(name)) ? Optional.of(0L) : fetchAnnounced(name, dir, owner));
    }

    /**
     * {@link #fetchOne}, with a note while it runs: replay asking for this segment meanwhile waits for it in the
     * launcher rather than downloading it again through a JVM.
     */
    private Optional<Long> fetchAnnounced(String name, Path dir, Ownership owner) throws IOException {
        Path note = SpoolLayout.fetching(dir, name);
        Files.write(note, new byte[0]);
        try {
            return fetchOne(name, dir, owner);
        } finally {
            Files.deleteIfExists(note);
        }
    }
}
