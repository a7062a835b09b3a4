package dev.pitr.cli;

import dev.pitr.core.Trees;
import dev.pitr.wal.ArchiveSpool;
import dev.pitr.wal.AsyncArchiver;
import dev.pitr.repo.FileRepository;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryException;
import dev.pitr.repo.S3Settings;
import dev.pitr.wal.SyntheticWal;
import dev.pitr.wal.WalArchiver;
import dev.pitr.wal.WalCatalog;
import dev.pitr.wal.WalFetcher;
import dev.pitr.wal.WalSegmentName;
import picocli.CommandLine.Command;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Build-time training run for the AppCDS archive: walks the wal push/fetch code paths (file and S3 drivers)
 * so their classes are archived and archive_command starts faster. Touches only a temp directory and a
 * closed loopback port.
 */
@Command(name = "train-cds", hidden = true)
final class TrainCdsCommand implements Runnable {
    @Override
    public void run() {
        try {
            Path dir = Files.createTempDirectory("pitr-cds");
            try (Repository repo = new FileRepository(dir)) {
                int size = 16 * 1024 * 1024;
                WalSegmentName name = WalSegmentName.parse("000000010000000000000001").orElseThrow();
                Path seg = dir.resolve(name.toString());
                Files.write(seg, SyntheticWal.segment(42L, name, size));
                new WalArchiver(repo, 3, s -> { }).push(seg);
                new WalArchiver(repo, 3, s -> { }).push(seg);
                new WalFetcher(repo, Optional.empty(), s -> { }).fetch(name.toString(), dir.resolve("RECOVERYXLOG"));
                new WalCatalog(repo, size).list(Optional.empty());
                // the async per-call path: an acknowledged segment is answered at once
                var spool = new ArchiveSpool(dir.resolve("spool"));
                spool.acknowledge(name.toString());
                new AsyncArchiver(spool, s -> { }).awaitDurable(seg, () -> { }, java.time.Duration.ofSeconds(5));
            }
            System.setProperty("aws.accessKeyId", "train");
            System.setProperty("aws.secretAccessKey", "train");
            try (Repository s3 = Repositories.open("s3://train-bucket/p", new S3Settings(
                    Optional.of(URI.create("http://127.0.0.1:1")), "us-east-1", true, 1))) {
                s3.head("pitr.json");
            } catch (RepositoryException expected) {
                // nothing listens there: the point was to load the request path's classes
            }
            trainLogScan(dir);
            Trees.delete(dir);
        } catch (Exception e) {
            throw new IllegalStateException("CDS training run failed", e);
        }
    }

    /**
     * 'target find' on a small log, through the command line as a user runs it (prefix and zone detected, the
     * server asked on a closed port): an on-call engineer's first command starts without loading its classes.
     */
    private static void trainLogScan(Path dir) throws java.io.IOException {
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            log.append(String.format("2026-03-25 14:%02d:%02d.%03d UTC [%d] app@shop LOG:  statement: %s%n", i / 600,
                    i / 10 % 60, i % 1000, 1000 + i % 7, i % 3 == 0 ? "UPDATE orders SET paid = true WHERE id = " + i
                            : "SELECT * FROM customers WHERE id = " + i));
        }
        log.append("2026-03-25 14:59:59.999 UTC [1001] app@shop LOG:  statement: DELETE FROM orders;\n");
        Path file = Files.writeString(dir.resolve("postgresql.log"), log);
        java.io.PrintWriter quiet = new java.io.PrintWriter(java.io.Writer.nullWriter());
        for (String json : new String[]{"--json", "--verbose"}) {
            Main.run(new String[]{json, "target", "find", "--log", file.toString(), "--table", "orders"}, quiet, quiet,
                    java.util.Map.of("PITR_PGHOST", "127.0.0.1", "PITR_PGPORT", "1"), dir);
        }
    }
}
