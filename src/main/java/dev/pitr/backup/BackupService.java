package dev.pitr.backup;

import dev.pitr.repo.ObjectInfo;
import dev.pitr.wal.WalArchive;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.ZstdOutputStream;
import dev.pitr.core.ExitCode;
import dev.pitr.core.Hashing;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
import dev.pitr.core.Trees;
import dev.pitr.core.Wait;
import dev.pitr.core.ProgressBar;
import dev.pitr.pg.PgBinaries;
import dev.pitr.pg.PgConnection;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.repo.IdentityStore;
import dev.pitr.repo.Repository;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalSegmentName;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code pitr backup create}: pg_basebackup (tar to stdout, WAL left to the archive) streamed through zstd
 * straight into the repository — no local copy. backup_label and backup_manifest are picked out of the
 * stream as it passes. The metadata object is written last, so an interrupted backup never looks complete.
 */
public final class BackupService {

    private final Repository repo;
    private final PgBinaries bins;
    private final PgConnection server;
    private final Consumer<String> progress;
    private final ProgressBar bar;

    public BackupService(Repository repo, PgBinaries bins, PgConnection server, Consumer<String> progress,
                         ProgressBar bar) {
        this.bar = bar;
        this.repo = repo;
        this.bins = bins;
        this.server = server;
        this.progress = progress;
    }

    /** Options of one backup run. */
    public record Options(String label, Compression compression, Duration archiveWait) {
    }

    /** zstd's level, and how many threads compress beside the one reading the stream (0: that one alone). */
    public record Compression(int level, int workers) {
        /**
         * For {@code processMax} processes: one reads pg_basebackup's stream, parses and feeds it, the rest
         * compress (on 2 cores, a second compressing thread only competes with the server sending the files).
         */
        public static Compression forProcesses(int level, int processMax) {
            return new Compression(level, Math.max(0, processMax - 1));
        }
    }

    public BackupMetadata create(Options options) {
        String sysid = server.queryOne("SELECT system_identifier::text FROM pg_control_system()").orElseThrow();
        int major = Integer.parseInt(server.queryOne("SHOW server_version_num").orElseThrow()) / 10000;
        String version = server.queryOne("SHOW server_version").orElseThrow();
        int segSize = Integer.parseInt(server.queryOne(
                "SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'").orElseThrow());
        long dbSize = Long.parseLong(server.queryOne("SELECT sum(pg_database_size(oid))::bigint FROM pg_database")
                .orElse("0"));
        if (major != bins.major()) {
            throw PitrException.usage("server is PostgreSQL " + major + " but pg_basebackup is " + bins.major()
                    + ": set pg-bin to the matching version");
        }
        new IdentityStore(repo).bind(sysid, major, segSize);

        // the start marker is visible at once, so an interrupted backup shows up as incomplete; the heartbeat
        // keeps 'expire' off it while it runs
        try (BackupLease lease = BackupLease.claim(repo, Instant.now())) {
            return create(options, lease.id(), sysid, major, version, segSize, dbSize);
        }
    }

    private BackupMetadata create(Options options, String id, String sysid, int major, String version, int segSize,
                                  long dbSize) {
        String label = options.label() == null ? "pitr " + id : options.label();
        String key = BackupCatalog.prefix(id) + "base.tar.zst";
        int tablespaces = Integer.parseInt(server.queryOne(
                "SELECT count(*) FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global')").orElse("0"));
        Taken taken;
        if (tablespaces == 0) {
            progress.accept("backup " + id + ": streaming pg_basebackup from " + server.host() + ":" + server.port()
                    + " into " + repo.url() + "/" + key);
            taken = streamed(label, key, options.compression(), dbSize);
        } else { // pg_basebackup writes one tar per tablespace, which only a directory can take
            progress.accept("backup " + id + ": " + tablespaces + " tablespace(s): pg_basebackup into a local"
                    + " staging directory, then each tar into " + repo.url());
            taken = staged(label, id, options.compression(), dbSize);
        }
        bar.finish();
        Instant stop = Instant.now();

        BackupLabel start = BackupLabel.parse(taken.backupLabel());
        Lsn stopLsn = stopLsn(taken.manifest());
        WalSegmentName stopSegment = WalSegmentName.containing(start.timeline(), new Lsn(stopLsn.value() - 1), segSize);
        waitForArchive(stopSegment, options.archiveWait());

        String manifestKey = BackupCatalog.prefix(id) + "backup_manifest";
        repo.put(manifestKey, taken.manifest());
        // where each tablespace lived: a restore must map every one before it writes anything
        taken.tablespaceMap().ifPresent(map -> repo.put(BackupCatalog.prefix(id) + BackupCatalog.TABLESPACE_MAP, map));
        long raw = taken.files().stream().mapToLong(BackupMetadata.BackupFile::rawBytes).sum();
        long stored = taken.files().stream().mapToLong(BackupMetadata.BackupFile::storedBytes).sum();
        verifyStored(repo, id, taken.files(), manifestKey);
        BackupMetadata meta = new BackupMetadata(BackupMetadata.FORMAT_VERSION, id, label, start.startLsn(),
                stopLsn, start.startTime(), stop, start.timeline(), start.startSegment(), stopSegment,
                sysid, major, version, segSize, dbSize, taken.files(), manifestKey);
        try {
            repo.put(BackupCatalog.prefix(id) + BackupCatalog.METADATA, Json.mapper().writeValueAsBytes(meta));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        progress.accept("backup " + id + ": complete, " + raw / 1048576 + " MiB -> " + stored / 1048576
                + " MiB stored, WAL " + start.startSegment() + " .. " + stopSegment);
        return meta;
    }

    /**
     * Every object the metadata will name is in the repository at its stored size: a backup is marked complete
     * only when a restore can read all of it (an object removed while it ran makes it fail, not lie).
     */
    static void verifyStored(Repository repo, String id, List<BackupMetadata.BackupFile> files, String manifestKey) {
        for (BackupMetadata.BackupFile f : files) {
            long size = repo.head(f.key()).map(ObjectInfo::size).orElse(-1L);
            if (size != f.storedBytes()) {
                throw PitrException.io("backup " + id + ": " + f.key() + (size < 0 ? " is missing from " : " has "
                        + size + " bytes instead of " + f.storedBytes() + " in ") + repo.url() + " (was it deleted while"
                        + " the backup ran?); the backup is not marked complete: run 'pitr backup create' again", null);
            }
        }
        if (repo.head(manifestKey).isEmpty()) {
            throw PitrException.io("backup " + id + ": " + manifestKey + " is missing from " + repo.url()
                    + "; the backup is not marked complete: run 'pitr backup create' again", null);
        }
    }

    /** What pg_basebackup produced: the stored tars, its backup_label and its manifest. */
    private record Taken(List<BackupMetadata.BackupFile> files, String backupLabel, byte[] manifest,
                         java.util.Optional<byte[]> tablespaceMap) {
    }

    /** The files pitr reads out of pg_basebackup's tar as it passes. */
    private static final List<String> PICKED = List.of("backup_label", "backup_manifest", "tablespace_map");

    /** One tar compressed into the repository, with the {@link #PICKED} files found in it. */
    private record Uploaded(BackupMetadata.BackupFile file, Map<String, byte[]> picked) {
        String backupLabel() {
            return picked.containsKey("backup_label") ? new String(picked.get("backup_label"), StandardCharsets.UTF_8) : null;
        }
    }

    /**
     * The manifest lists every file with its size for pg_verifybackup at restore; the content is proven by the
     * SHA-256 pitr takes of the whole stream, so its per-file checksums are PostgreSQL's default CRC-32C, which
     * costs the server a fraction of SHA-256 (a tenth of a backup's CPU on a 2-core machine).
     */
    private List<String> basebackup(String label, String dir) {
        return List.of(bins.tool("pg_basebackup").toString(), "-h", server.host(), "-p", String.valueOf(server.port()),
                "-U", server.user(), "-D", dir, "-Ft", "-X", "none", "--checkpoint=fast", "--manifest-checksums=CRC32C",
                "--no-password", "-l", label);
    }

    /** The usual path: pg_basebackup's tar on stdout, straight into the repository. */
    private Taken streamed(String label, String key, Compression compression, long expectedBytes) {
        Process process;
        try {
            process = new ProcessBuilder(basebackup(label, "-")).start();
            process.getOutputStream().close();
        } catch (IOException e) {
            throw PitrException.io("cannot start pg_basebackup: " + e.getMessage(), e);
        }
        CompletableFuture<String> stderr = stderrOf(process);
        try {
            Uploaded up = upload(process.getInputStream(), "base.tar", key, compression, expectedBytes);
            int exit = process.waitFor();
            if (exit != 0) {
                throw new PitrException(ExitCode.IO_FAILURE, "pg_basebackup failed (exit " + exit + "): "
                        + stderr.join().strip().replace('\n', ' '));
            }
            if (up.backupLabel() == null || !up.picked().containsKey("backup_manifest")) {
                throw new PitrException(ExitCode.IO_FAILURE, "pg_basebackup's stream had no backup_label/backup_manifest"
                        + " (is the server PostgreSQL 13+?)");
            }
            return new Taken(List.of(up.file()), up.backupLabel(), up.picked().get("backup_manifest"),
                    java.util.Optional.empty());
        } catch (PitrException e) {
            process.destroyForcibly();
            String err = stderr.join().strip().replace('\n', ' ');
            throw new PitrException(e.exitCode(), e.getMessage() + (err.isEmpty() || e.getMessage().contains(err) ? ""
                    : " (pg_basebackup: " + err + ")"), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw PitrException.io("interrupted during backup", e);
        }
    }

    /**
     * With tablespaces: pg_basebackup writes base.tar, one OID.tar per tablespace and backup_manifest into a
     * staging directory (removed afterwards); each tar is then stored like the streamed one.
     */
    private Taken staged(String label, String id, Compression compression, long expectedBytes) {
        Path staging;
        try {
            staging = Files.createTempDirectory("pitr-backup-");
        } catch (IOException e) {
            throw PitrException.io("cannot create a staging directory in " + System.getProperty("java.io.tmpdir")
                    + ": " + e.getMessage(), e);
        }
        try {
            ProcessRunner.Result r = ProcessRunner.run(basebackup(label, staging.resolve("out").toString()), Map.of(),
                    Duration.ofHours(24));
            if (!r.ok()) {
                throw new PitrException(ExitCode.IO_FAILURE, "pg_basebackup failed (exit " + r.exitCode() + "): "
                        + r.stderr().strip().replace('\n', ' '));
            }
            List<Path> tars;
            try (Stream<Path> files = Files.list(staging.resolve("out"))) {
                tars = files.filter(f -> f.getFileName().toString().endsWith(".tar"))
                        .sorted(Comparator.comparing((Path f) -> !f.getFileName().toString().equals("base.tar"))
                                .thenComparing(Path::toString)).toList();
            }
            List<BackupMetadata.BackupFile> stored = new ArrayList<>();
            Map<String, byte[]> picked = new java.util.HashMap<>();
            for (Path tar : tars) {
                String name = tar.getFileName().toString();
                try (InputStream in = Files.newInputStream(tar)) {
                    Uploaded up = upload(in, name, BackupCatalog.prefix(id) + name + ".zst", compression, expectedBytes);
                    stored.add(up.file());
                    up.picked().forEach(picked::putIfAbsent);
                }
            }
            byte[] manifest = Files.readAllBytes(staging.resolve("out/backup_manifest"));
            if (!picked.containsKey("backup_label") || !picked.containsKey("tablespace_map")) {
                throw new PitrException(ExitCode.IO_FAILURE, "pg_basebackup's base.tar had no backup_label/tablespace_map");
            }
            return new Taken(stored, new String(picked.get("backup_label"), StandardCharsets.UTF_8), manifest,
                    java.util.Optional.of(picked.get("tablespace_map")));
        } catch (IOException e) {
            throw PitrException.io("backup staging in " + staging + " failed: " + e.getMessage(), e);
        } finally {
            deleteTree(staging);
        }
    }

    private static void deleteTree(Path dir) {
        try {
            Trees.delete(dir);
        } catch (IOException e) {
            // a leftover staging directory in the temp dir wastes space but cannot make a backup wrong
        }
    }

    private static CompletableFuture<String> stderrOf(Process process) {
        return CompletableFuture.supplyAsync(() -> {
            try (InputStream err = process.getErrorStream()) {
                return new String(err.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    /**
     * Compresses one tar into the repository under {@code key} as it is read, hashing the raw bytes and picking
     * backup_label and backup_manifest out of it. A failure of the source fails the upload: a short stream never
     * becomes an object.
     */
    private Uploaded upload(InputStream source, String name, String key, Compression compression, long expectedBytes) {
        MessageDigest sha = Hashing.sha256();
        AtomicLong raw = new AtomicLong();
        Map<String, byte[]> picked = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> producerFailure = new java.util.concurrent.atomic.AtomicReference<>();
        try (PipedInputStream pipeIn = new PipedInputStream(1 << 20)) {
            PipedOutputStream pipe = new PipedOutputStream(pipeIn);
            // the uploader must see a failed stream as an error, never as a short but "complete" object
            // and the object is proven by the SHA-256 of what is stored (zstd's frames carry a content checksum)
            InputStream compressed = new FilterInputStream(pipeIn) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n < 0 && producerFailure.get() != null) {
                        throw new IOException("backup stream failed: " + producerFailure.get().getMessage());
                    }
                    if (n > 0) {
                        sha.update(b, off, n);
                    }
                    return n;
                }

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
                }
            };
            CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
                try (OutputStream z = new ZstdOutputStream(pipe, compression.level()) {
                    @Override
                    public synchronized void close() throws IOException {
                        if (producerFailure.get() == null) {
                            super.close();
                        } else {
                            pipe.close();
                        }
                    }
                }.setChecksum(true).setWorkers(compression.workers());
                     // large writes into zstd and large reads from the pipe: the tar reader skips file data in
                     // small steps, and each step would otherwise be a JNI call and a read(2)
                     OutputStream chunked = new java.io.BufferedOutputStream(z, 1 << 20);
                     InputStream tee = new TeeInputStream(new java.io.BufferedInputStream(source, 1 << 20), chunked,
                             raw, progress, bar, expectedBytes)) {
                    try {
                        TarArchiveInputStream tar = new TarArchiveInputStream(tee);
                        TarArchiveEntry entry;
                        byte[] through = new byte[1 << 20];
                        while ((entry = tar.getNextEntry()) != null) {
                            if (PICKED.contains(entry.getName())) {
                                picked.put(entry.getName(), tar.readAllBytes());
                            }
                            // read through what is not kept in large steps: left to getNextEntry, it is skipped
                            // 8 KiB at a time into a new buffer each (commons-io), a third of a backup's time
                            while (tar.read(through, 0, through.length) > 0) {
                                // the tee has compressed it
                            }
                        }
                        tee.transferTo(OutputStream.nullOutputStream()); // tar padding after the end marker
                    } catch (IOException | RuntimeException e) {
                        producerFailure.set(e); // before the streams close: the uploader must not see a clean end
                        throw e;
                    }
                } catch (IOException | RuntimeException e) {
                    throw new java.io.UncheckedIOException(new IOException(e.getMessage(), e));
                }
            });
            long stored;
            try {
                stored = repo.putStream(key, compressed);
            } finally {
                compressed.close();
            }
            producer.get();
            return new Uploaded(new BackupMetadata.BackupFile(name, key, raw.get(), stored, null, Hashing.hex(sha.digest())),
                    Map.copyOf(picked));
        } catch (ExecutionException e) {
            throw new PitrException(ExitCode.IO_FAILURE, "backup stream failed: " + e.getCause().getMessage(), e.getCause());
        } catch (IOException e) {
            throw PitrException.io("backup stream failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PitrException.io("interrupted during backup", e);
        }
    }

    private static Lsn stopLsn(byte[] manifest) {
        try {
            JsonNode ranges = Json.mapper().readTree(manifest).path("WAL-Ranges");
            return Lsn.parse(ranges.get(ranges.size() - 1).path("End-LSN").asText());
        } catch (IOException | RuntimeException e) {
            throw new PitrException(ExitCode.IO_FAILURE, "backup_manifest has no readable WAL-Ranges: " + e.getMessage());
        }
    }

    /** The backup is only restorable once the WAL up to its stop point is in the repository. */
    private void waitForArchive(WalSegmentName stopSegment, Duration wait) {
        String key = WalArchive.keyOf(WalFileName.parseOrThrow(stopSegment.toString()));
        Wait.until(() -> repo.head(key).isPresent(), wait, Duration.ofMillis(250), () -> new PitrException(
                ExitCode.IO_FAILURE, "backup data is stored but WAL segment " + stopSegment + " has not reached the"
                + " repository after " + wait.toSeconds() + " s: check archive_command (pg_stat_archiver); the backup"
                + " is left incomplete"));
    }

    /** Copies every byte read into the compressor, counting it, with a progress line every 5 s. */
    private static final class TeeInputStream extends FilterInputStream {
        private final OutputStream copy;
        private final AtomicLong count;
        private final Consumer<String> progress;
        private final ProgressBar bar;
        private final long expected;
        private long lastReport = System.nanoTime();
        private long lastBar;

        TeeInputStream(InputStream in, OutputStream copy, AtomicLong count, Consumer<String> progress,
                       ProgressBar bar, long expected) {
            super(in);
            this.bar = bar;
            this.expected = expected;
            this.copy = copy;
            this.count = count;
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                copy.write(b, off, n);
                long total = count.addAndGet(n);
                long now = System.nanoTime();
                if (bar != ProgressBar.NONE && now - lastBar > 100_000_000L) {
                    lastBar = now;
                    bar.update(total, expected);
                } else if (bar == ProgressBar.NONE && now - lastReport > 5_000_000_000L) {
                    lastReport = now;
                    progress.accept("backup: " + total / 1048576 + " of ~" + expected / 1048576 + " MiB read");
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[8192];
            long done = 0;
            while (done < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - done));
                if (r < 0) {
                    break;
                }
                done += r;
            }
            return done;
        }
    }

}
