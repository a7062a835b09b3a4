package dev.pitr.wal;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.repo.FileRepository;
import dev.pitr.repo.RepositoryLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The asynchronous archiver against a file repository and a pg_wal directory laid out as PostgreSQL does. */
class AsyncArchiverTest {
    private static final int MB16 = 16 * 1024 * 1024;

    @TempDir
    Path dir;

    private Path pgWal() throws Exception {
        return Files.createDirectories(dir.resolve("pg_wal/archive_status")).getParent();
    }

    private Path readySegment(Path pgWal, long number) throws Exception {
        WalSegmentName name = WalSegmentName.of(1, number, MB16);
        Path file = Files.write(pgWal.resolve(name.toString()), SyntheticWal.segment(7_300_000_000_000_000_001L, name, MB16));
        Files.createFile(pgWal.resolve("archive_status").resolve(name + ".ready"));
        return file;
    }

    /**
     * No step waits on the clock to pass: the pusher may exit when idle between two calls on a loaded machine,
     * and is then started again by the next call, as in production; what is checked is that a call starts one
     * only when none runs, that every acknowledgement stands for a complete object, and that the next pusher run
     * forgets the acknowledgements of segments PostgreSQL has marked done.
     */
    @Test
    void acknowledgesEverySegmentOnlyOnceItIsDurableAndForgetsAcknowledgementsPostgresConsumed() throws Exception {
        Path pgWal = pgWal();
        List<Path> segments = new ArrayList<>();
        for (long n = 1; n <= 12; n++) {
            segments.add(readySegment(pgWal, n));
        }
        FileRepository repo = new FileRepository(Files.createDirectories(dir.resolve("repo")));
        ArchiveSpool spool = new ArchiveSpool(dir.resolve("spool"));
        AsyncArchiver async = new AsyncArchiver(spool, s -> { });
        WalArchiver archiver = new WalArchiver(repo, 1, s -> { });
        List<Thread> pushers = new ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger startedWhileRunning = new java.util.concurrent.atomic.AtomicInteger();

        for (Path segment : segments) { // PostgreSQL's archiver: one call per segment, in order
            async.awaitDurable(segment, () -> {
                if (!pushers.isEmpty() && pushers.get(pushers.size() - 1).isAlive()) {
                    startedWhileRunning.incrementAndGet();
                }
                Thread pusher = new Thread(() -> async.runPusher(pgWal, archiver, 4, Duration.ofSeconds(1)));
                pushers.add(pusher);
                pusher.start();
            }, Duration.ofMinutes(5));
            // an acknowledgement means: the object is complete under its final key and decodes to the segment
            String key = WalArchive.keyOf(WalFileName.parseOrThrow(segment.getFileName().toString()));
            assertThat(WalObjectFormat.decode(repo.getBytes(key).orElseThrow())).isEqualTo(Files.readAllBytes(segment));
            Path status = pgWal.resolve("archive_status");
            Files.move(status.resolve(segment.getFileName() + ".ready"), status.resolve(segment.getFileName() + ".done"));
        }
        assertThat(pushers).as("a pusher was started").isNotEmpty();
        assertThat(startedWhileRunning).as("a call starts a pusher only when none runs").hasValue(0);
        for (Thread pusher : pushers) {
            pusher.join(); // each exits once nothing is ready
        }
        async.runPusher(pgWal, archiver, 4, Duration.ZERO); // the next run: one pass over the spool, then idle
        try (var left = Files.list(spool.dir())) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ok")))
                    .as("acknowledgements of archived (.done) segments are forgotten").isEmpty();
        }
    }

    @Test
    void aFailedPushReachesTheCallerWithItsExitCodeAndIsRetriedOnTheNextCall() throws Exception {
        Path pgWal = pgWal();
        Path good = readySegment(pgWal, 1);
        Path bad = readySegment(pgWal, 2);
        Files.write(bad, new byte[MB16]); // zeroed: no WAL page header
        FileRepository repo = new FileRepository(Files.createDirectories(dir.resolve("repo")));
        ArchiveSpool spool = new ArchiveSpool(dir.resolve("spool"));
        AsyncArchiver async = new AsyncArchiver(spool, s -> { });
        Thread pusher = new Thread(() -> async.runPusher(pgWal, new WalArchiver(repo, 1, s -> { }), 2, Duration.ofSeconds(3)));
        pusher.start();

        async.awaitDurable(good, () -> { }, Duration.ofSeconds(30));
        assertThatThrownBy(() -> async.awaitDurable(bad, () -> { }, Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(PitrException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining(bad.getFileName().toString());
        assertThat(repo.getBytes(WalArchive.keyOf(WalFileName.parseOrThrow(bad.getFileName().toString()))))
                .as("nothing stored for the bad file").isEmpty();

        // the cause is fixed (here: the real segment is back); PostgreSQL retries. The pusher tried again as soon
        // as the failure was taken, so the first retry may still report an attempt made before the fix.
        Files.write(bad, SyntheticWal.segment(7_300_000_000_000_000_001L, WalSegmentName.of(1, 2, MB16), MB16));
        try {
            async.awaitDurable(bad, () -> { }, Duration.ofSeconds(30));
        } catch (PitrException stale) {
            async.awaitDurable(bad, () -> { }, Duration.ofSeconds(30));
        }
        assertThat(spool.isAcknowledged(bad.getFileName().toString(), AsyncArchiver.readyFile(bad))).isTrue();
        pusher.join(15_000);
    }

    /**
     * A spool that outlived its cluster (re-created with initdb, or a copy started beside it) holds
     * acknowledgements of segments with the same names: one older than PostgreSQL's .ready is not trusted, the
     * segment is pushed, and the pusher names itself in the spool while it runs (the launcher waits on it).
     */
    @Test
    void anAcknowledgementOlderThanTheReadyNoteIsNotTrustedAndTheSegmentIsPushed() throws Exception {
        Path pgWal = pgWal();
        Path segment = readySegment(pgWal, 5);
        ArchiveSpool spool = new ArchiveSpool(dir.resolve("spool"));
        String name = segment.getFileName().toString();
        spool.acknowledge(name);
        Path ready = AsyncArchiver.readyFile(segment);
        Files.setLastModifiedTime(spool.dir().resolve(name + ".ok"),
                FileTime.fromMillis(Files.getLastModifiedTime(ready).toMillis() - 60_000));
        assertThat(spool.isAcknowledged(name, ready)).isFalse();

        FileRepository repo = new FileRepository(Files.createDirectories(dir.resolve("repo")));
        AsyncArchiver async = new AsyncArchiver(spool, s -> { });
        java.util.concurrent.atomic.AtomicReference<String> pidWhileRunning = new java.util.concurrent.atomic.AtomicReference<>();
        Thread pusher = new Thread(() -> async.runPusher(pgWal, new WalArchiver(repo, 1, s -> {
            pidWhileRunning.compareAndSet(null, read(spool.dir().resolve(SpoolLayout.PUSHER_PID)));
        }), 1, Duration.ZERO));
        async.awaitDurable(segment, pusher::start, Duration.ofMinutes(5));
        pusher.join();
        assertThat(repo.getBytes(WalArchive.keyOf(WalFileName.parseOrThrow(name)))).as("stored this time").isPresent();
        assertThat(spool.isAcknowledged(name, ready)).isTrue();
        assertThat(pidWhileRunning.get()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        assertThat(spool.dir().resolve(SpoolLayout.PUSHER_PID)).as("removed when the pusher exits").doesNotExist();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "unreadable: " + e;
        }
    }

    @Test
    void aPusherThatCannotStartIsReportedInsteadOfWaitingForTheTimeout() throws Exception {
        Path pgWal = pgWal();
        Path segment = readySegment(pgWal, 1);
        ArchiveSpool spool = new ArchiveSpool(dir.resolve("spool"));
        AsyncArchiver async = new AsyncArchiver(spool, s -> { });
        assertThatThrownBy(() -> async.awaitDurable(segment,
                () -> spool.failPusher(new ArchiveSpool.Failure(ExitCode.USAGE, "no repository configured")),
                Duration.ofSeconds(60)))
                .isInstanceOfSatisfying(PitrException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessage("no repository configured"); // not the 60 s timeout
    }
}
