package dev.pitr.it;

import dev.pitr.core.Hashing;
import dev.pitr.testkit.Cli;
import dev.pitr.wal.RepositoryWal;
import dev.pitr.wal.ArchiveHorizon;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.SyntheticWal;
import dev.pitr.wal.WalObjectFormat;
import dev.pitr.wal.WalArchive;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;
import dev.pitr.repo.S3Settings;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import dev.pitr.wal.WalFetcher;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.pg.ProcessRunner;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A real PostgreSQL 15 archives through the built launcher into a real S3 server. */
class ArchiveIT {
    static final String LAUNCHER = System.getProperty("pitr.launcher", "scripts/pitr");
    /** What the PostgreSQL server passes to archive_command: the S3 credentials, from its environment. */
    private static final Map<String, String> SERVER_ENV = Map.of("AWS_ACCESS_KEY_ID", EmbeddedS3.ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY", EmbeddedS3.SECRET_KEY);

    private static Path s3Config(Path work, String bucket) throws java.io.IOException {
        return Files.writeString(work.resolve("pitr.yaml"), """
                clusters:
                  main:
                    environment: test
                    repo: s3://%s/main
                    s3:
                      endpoint: %s
                """.formatted(bucket, EmbeddedS3.shared().endpoint()));
    }

    @Test
    void everySegmentOfAPgbenchRunIsArchivedAndFetchesBackByteIdentical() throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        Path work = TestDirs.shared("pitr-archive-it-");
        Path config = s3Config(work, bucket);
        try (PgCluster pg = PgCluster.start(Map.of(
                "wal_level", "replica",
                "archive_mode", "on",
                "archive_command", "'" + LAUNCHER + " --config " + config + " wal push %p'",
                "wal_keep_size", "'2GB'",
                "max_wal_size", "'2GB'"), SERVER_ENV);
             Repository repo = Repositories.open("s3://" + bucket + "/main",
                     new S3Settings(Optional.of(s3.endpoint()), "us-east-1", true, 3))) {
            pg.pgbench("-i", "-s", "3", "-q");
            pg.pgbench("-c", "2", "-t", "3000");
            String[] switched = pg.query("SELECT pg_walfile_name(l) || ' ' || l FROM pg_switch_wal() l").split(" ");
            String last = switched[0];
            waitUntilArchived(pg, last);

            // where a copy of the latest WAL has replayed everything: the switch record, the segment's last one
            Lsn switchEnd = Lsn.parse(switched[1]);
            Lsn lastRecord = new ArchiveHorizon(new RepositoryWal(repo), PgCluster.binaries()).lastRecord(WalSegmentName.parse(last)
                    .orElseThrow()).orElseThrow();
            assertThat(lastRecord.value()).as("the switch record's start, before its end " + switchEnd)
                    .isLessThan(switchEnd.value()).isGreaterThanOrEqualTo(switchEnd.value() - 64);

            assertThat(pg.query("SELECT failed_count FROM pg_stat_archiver")).isEqualTo("0");
            List<WalFileName> segments = assertArchivedWithoutGaps(repo, last);
            assertThat(segments).hasSizeGreaterThanOrEqualTo(3);

            WalFetcher fetcher = new WalFetcher(repo, Optional.empty(), s -> { });
            for (WalFileName seg : segments) {
                Path dest = work.resolve("fetched-" + seg.fileName());
                assertThat(fetcher.fetch(seg.fileName(), dest)).isTrue();
                assertThat(Files.mismatch(dest, pg.dataDir().resolve("pg_wal").resolve(seg.fileName())))
                        .as("segment %s", seg.fileName()).isEqualTo(-1L);
                Files.delete(dest);
            }

            // restore_command's path: the launcher, as the server user, into a directory it owns
            Path target = TestDirs.serverOwned("pitr-fetch-");
            ProcessRunner.Result fetched = ProcessRunner.run(ProcessRunner.asServerUser(List.of(LAUNCHER,
                    "--config", config.toString(), "wal", "fetch", last, target.resolve("RECOVERYXLOG").toString())),
                    SERVER_ENV, Duration.ofMinutes(1));
            assertThat(fetched.exitCode()).as(fetched.stderr()).isZero();
            assertThat(Files.mismatch(target.resolve("RECOVERYXLOG"), pg.dataDir().resolve("pg_wal").resolve(last)))
                    .isEqualTo(-1L);
            ProcessRunner.Result absent = ProcessRunner.run(ProcessRunner.asServerUser(List.of(LAUNCHER,
                    "--config", config.toString(), "wal", "fetch", "0000000100000000000000FF",
                    target.resolve("X").toString())), SERVER_ENV, Duration.ofMinutes(1));
            assertThat(absent.exitCode()).isEqualTo(1);
            TestDirs.delete(target);
        } finally {
            TestDirs.delete(work);
        }
    }

    /** Every segment of timeline 1 from the first one up to {@code last} is in the repository. */
    static List<WalFileName> assertArchivedWithoutGaps(Repository repo, String last) {
        List<WalFileName> segments = repo.list(RepositoryLayout.WAL).stream()
                .map(o -> WalArchive.fileOf(o.key()).orElseThrow())
                .filter(f -> f instanceof WalFileName.Segment).toList();
        long lastNumber = WalSegmentName.parse(last).orElseThrow().segmentNumber(16 * 1024 * 1024);
        assertThat(segments).extracting(WalFileName::fileName).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(1, lastNumber)
                        .mapToObj(n -> WalSegmentName.of(1, n, 16 * 1024 * 1024).toString()).toList());
        return segments;
    }

    /**
     * wal push --async: a background pusher archives ahead in parallel and the launcher answers from its
     * acknowledgements; a push the pusher cannot do reaches PostgreSQL as a failed archive_command with the
     * reason in the server log, and archiving continues once the cause is gone.
     */
    @Test
    void asyncPushKeepsUpAndReportsFailuresToPostgres() throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        Path work = TestDirs.shared("pitr-async-it-");
        Path spool = TestDirs.serverOwned("pitr-async-spool-");
        Path config = s3Config(work, bucket);
        try (PgCluster pg = PgCluster.start(Map.of(
                "wal_level", "replica",
                "archive_mode", "on",
                "archive_command", "'" + LAUNCHER + " --config " + config + " wal push --async --spool " + spool + " %p'",
                "wal_keep_size", "'1GB'"), SERVER_ENV);
             Repository repo = Repositories.open("s3://" + bucket + "/main",
                     new S3Settings(Optional.of(s3.endpoint()), "us-east-1", true, 3))) {
            pg.pgbench("-i", "-s", "2", "-q");
            for (int i = 0; i < 6; i++) {
                pg.execute("INSERT INTO pgbench_history (tid, bid, aid, delta) SELECT 1, 1, g, g FROM generate_series(1, 20000) g",
                        "SELECT pg_switch_wal()");
            }
            String last = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
            waitUntilArchived(pg, last);
            assertThat(pg.query("SELECT failed_count FROM pg_stat_archiver")).isEqualTo("0");
            assertArchivedWithoutGaps(repo, last);
            assertThat(spool.resolve("archive-out/pusher.lock")).as("the background pusher ran").exists();

            // the next segment's name is already taken by different content: refused, reported, never overwritten
            pg.execute("INSERT INTO pgbench_history (tid, bid, aid, delta) VALUES (1, 1, 1, 1)");
            String next = pg.query("SELECT pg_walfile_name(pg_current_wal_lsn())");
            String key = WalArchive.keyOf(WalFileName.parseOrThrow(next));
            byte[] foreign = new byte[4096];
            new java.util.Random(7).nextBytes(foreign);
            byte[] foreignObject = WalObjectFormat.encode(foreign,
                    Hashing.sha256(foreign, 0, foreign.length), 1);
            repo.put(key, foreignObject);
            pg.execute("SELECT pg_switch_wal()");
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (!next.equals(pg.query("SELECT coalesce(last_failed_wal, '') FROM pg_stat_archiver"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(pg.query("SELECT coalesce(last_failed_wal, '') FROM pg_stat_archiver")).isEqualTo(next);
            assertThat(Files.readString(pg.serverLog())).contains(next + " is already archived")
                    .contains("with different content");
            assertThat(repo.getBytes(key)).hasValue(foreignObject);

            repo.delete(key); // the operator removes the stray object: archiving resumes by itself
            pg.execute("INSERT INTO pgbench_history (tid, bid, aid, delta) VALUES (1, 1, 1, 2)");
            String after = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
            waitUntilArchived(pg, after);
            assertArchivedWithoutGaps(repo, after);
        } finally {
            TestDirs.delete(work);
            TestDirs.delete(spool);
        }
    }

    /**
     * wal fetch --async: the first call fetches directly and starts the prefetcher; the following segments are
     * served from its queue by the launcher alone, even while the repository is unreachable.
     */
    @Test
    void asyncFetchServesReplayFromAQueueThatRunsAhead() throws Exception {
        Path work = TestDirs.shared("pitr-async-fetch-");
        Path repoDir = Files.createDirectories(work.resolve("repo"));
        Path spool = work.resolve("spool");
        Path dest = Files.createDirectories(work.resolve("pg_wal"));
        Cli cli = new Cli(Map.of("PITR_REPO", "file://" + repoDir), work);
        List<Path> segments = new java.util.ArrayList<>();
        for (long n = 1; n <= 12; n++) {
            WalSegmentName name = WalSegmentName.of(1, n, 16 * 1024 * 1024);
            Path seg = Files.write(work.resolve(name.toString()),
                    SyntheticWal.segment(7_300_000_000_000_000_003L, name, 16 * 1024 * 1024));
            assertThat(cli.run("wal", "push", seg.toString()).exitCode()).isZero();
            segments.add(seg);
        }
        try {
            assertThat(fetchAsync(repoDir, spool, segments.get(0), dest)).isZero();
            Path queue = spool.resolve("archive-in");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (queued(queue) < 8 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(queued(queue)).as("the next 8 segments wait in the queue").isEqualTo(8);

            Path away = work.resolve("repo-away");
            Files.move(repoDir, away); // the repository is gone: replay goes on from the queue
            for (Path seg : segments.subList(1, 9)) {
                assertThat(fetchAsync(repoDir, spool, seg, dest)).as(seg.getFileName().toString()).isZero();
            }
            Files.move(away, repoDir);
            assertThat(fetchAsync(repoDir, spool, segments.get(9), dest)).isZero();
            Path absent = work.resolve(WalSegmentName.of(1, 40, 16 * 1024 * 1024).toString());
            assertThat(fetchAsync(repoDir, spool, absent, dest)).isEqualTo(1);
        } finally {
            ProcessRunner.run(List.of("pkill", "-f", "prefetcher --spool " + spool), Map.of(), Duration.ofSeconds(10));
            TestDirs.delete(work);
        }
    }

    /** restore_command as PostgreSQL runs it; checks the file it wrote is the segment, byte for byte. */
    private static int fetchAsync(Path repoDir, Path spool, Path segment, Path pgWal) throws Exception {
        Path target = pgWal.resolve("RECOVERYXLOG");
        Files.deleteIfExists(target);
        ProcessRunner.Result r = ProcessRunner.run(List.of(LAUNCHER, "--repo", "file://" + repoDir, "wal", "fetch",
                "--async", "--spool", spool.toString(), segment.getFileName().toString(), target.toString()),
                Map.of(), Duration.ofMinutes(1));
        if (r.exitCode() == 0) {
            assertThat(Files.mismatch(target, segment)).isEqualTo(-1L);
        }
        return r.exitCode();
    }

    private static long queued(Path queue) throws java.io.IOException {
        if (!Files.isDirectory(queue)) {
            return 0;
        }
        try (var files = Files.list(queue)) {
            return files.filter(p -> WalSegmentName.parse(p.getFileName().toString()).isPresent()).count();
        }
    }

    /** archive_command pushing to a bucket of the shared S3 server through the launcher. */
    static String archiveCommandTo(EmbeddedS3 s3, String bucket) {
        return "'env PITR_REPO=s3://" + bucket + "/repo PITR_S3_ENDPOINT=" + s3.endpoint() + " " + LAUNCHER + " wal push %p'";
    }

    /** A log directory under {@code work} that the logging collector (the server user) can write. */
    static Path logDirectory(Path work) throws java.io.IOException {
        Path dir = java.nio.file.Files.createDirectories(work.resolve("log"));
        java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    static void waitUntilArchived(PgCluster pg, String segment) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            String last = pg.query("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
            if (last.compareTo(segment) >= 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("segment " + segment + " not archived in time; pg_stat_archiver: "
                + pg.query("SELECT row_to_json(a)::text FROM pg_stat_archiver a"));
    }
}
