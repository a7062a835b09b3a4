package dev.pitr.backup;

import dev.pitr.repo.ObjectInfo;
import dev.pitr.wal.WalArchive;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.ZstdOutputStream;
import dev.pitr.core.ExitCode;
import dev.pitr.core.Hashing;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
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
import java.util.Optional;
import java.util.stream.Stream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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

    /**
     * Options of one backup run. {@code partBytes}: when pitr compresses, the stream is cut into another object
     * at the first file boundary past this size, so a restore extracts the parts side by side.
     */
    public record Options(String label, Compression compression, long partBytes, Duration archiveWait,
                          CompressAt compressAt) {
        public Options {
            if (partBytes < 1) {
                throw PitrException.usage("the backup part size must be at least 1 byte, not " + partBytes);
            }
        }
    }

    /**
     * Where the backup is compressed. {@code SERVER}: by the walsender (PostgreSQL 15+), staged compressed in the
     * temporary directory ({@link ServerCompressedBackup}); {@code CLIENT}: by pitr from pg_basebackup's raw tar,
     * streamed with nothing staged and cut into parts; {@code AUTO}: the server where it can, and where the
     * staging directory has room for the whole database uncompressed and a tenth (so a backup never fills that disk).
     */
    public enum CompressAt { AUTO, SERVER, CLIENT }

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
        Server db = Server.of(server);
        if (db.major() != bins.major()) {
            throw PitrException.usage("server is PostgreSQL " + db.major() + " but pg_basebackup is " + bins.major()
                    + ": set pg-bin to the matching version");
        }
        boolean byServer = serverCompresses(options, db); // refused before anything is written
        StagingDirectory.removeAbandoned(temporaryDirectory()); // whichever way this one goes
        new IdentityStore(repo).bind(db.systemIdentifier(), db.major(), db.segmentSize());

        // the start marker is visible at once, so an interrupted backup shows up as incomplete; the heartbeat
        // keeps 'expire' off it while it runs
        try (BackupLease lease = BackupLease.claim(repo, Instant.now())) {
            return create(options, lease.id(), db, byServer);
        }
    }

    private BackupMetadata create(Options options, String id, Server db, boolean byServer) {
        String label = options.label() == null ? "pitr " + id : options.label();
        String key = BackupCatalog.prefix(id) + "base.tar.zst";
        Taken taken;
        if (byServer) {
            progress.accept("backup " + id + ": the server compresses (zstd " + options.compression().level()
                    + "), each archive stored from " + temporaryDirectory() + " into " + repo.url()
                    + " as pg_basebackup writes it");
            taken = serverCompressed(label, id, options, db.size());
        } else if (db.tablespaces() == 0) {
            progress.accept("backup " + id + ": streaming pg_basebackup from " + server.host() + ":" + server.port()
                    + " into " + repo.url() + "/" + key);
            taken = streamed(label, key, options, db.size());
        } else { // pg_basebackup writes one tar per tablespace, which only a directory can take
            progress.accept("backup " + id + ": " + db.tablespaces() + " tablespace(s): pg_basebackup into a local"
                    + " staging directory, then each tar into " + repo.url());
            taken = staged(label, id, options, db.size());
        }
        bar.finish();
        Instant stop = Instant.now();

        BackupLabel start = BackupLabel.parse(taken.backupLabel());
        Lsn stopLsn = stopLsn(taken.manifest());
        WalSegmentName stopSegment = WalSegmentName.containing(start.timeline(), new Lsn(stopLsn.value() - 1),
                db.segmentSize());
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
                db.systemIdentifier(), db.major(), db.version(), db.segmentSize(), db.size(), taken.files(), manifestKey);
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

    /** What a backup needs to know of the server, asked over one connection. */
    record Server(String systemIdentifier, int major, String version, int segmentSize, long size, int tablespaces) {
        static Server of(PgConnection server) {
            List<String> row = server.queryRow("SELECT (SELECT system_identifier::text FROM pg_control_system()),"
                    + " current_setting('server_version_num'), current_setting('server_version'),"
                    + " (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'),"
                    + " (SELECT coalesce(sum(pg_database_size(oid)), 0)::bigint FROM pg_database),"
                    + " (SELECT count(*) FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global'))")
                    .orElseThrow();
            return new Server(row.get(0), Integer.parseInt(row.get(1)) / 10000, row.get(2), Integer.parseInt(row.get(3)),
                    Long.parseLong(row.get(4)), Integer.parseInt(row.get(5)));
        }
    }

    /** What pg_basebackup produced: the stored tars, its backup_label and its manifest. */
    record Taken(List<BackupMetadata.BackupFile> files, String backupLabel, byte[] manifest,
                         Optional<byte[]> tablespaceMap) {
    }

    /** The files pitr reads out of pg_basebackup's tar as it passes. */
    static final List<String> PICKED = List.of("backup_label", "backup_manifest", "tablespace_map");

    /** One tar compressed into the repository, with the {@link #PICKED} files found in it. */
    private record Uploaded(List<BackupMetadata.BackupFile> files, Map<String, byte[]> picked) {
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
    private Taken streamed(String label, String key, Options options, long expectedBytes) {
        Process process;
        try {
            process = new ProcessBuilder(basebackup(label, "-")).start();
            process.getOutputStream().close();
        } catch (IOException e) {
            throw PitrException.io("cannot start pg_basebackup: " + e.getMessage(), e);
        }
        CompletableFuture<String> stderr = stderrOf(process);
        try {
            Uploaded up = upload(process.getInputStream(), "base.tar", key, options, expectedBytes);
            int exit = process.waitFor();
            if (exit != 0) {
                throw new PitrException(ExitCode.IO_FAILURE, "pg_basebackup failed (exit " + exit + "): "
                        + stderr.join().strip().replace('\n', ' '));
            }
            if (up.backupLabel() == null || !up.picked().containsKey("backup_manifest")) {
                throw new PitrException(ExitCode.IO_FAILURE, "pg_basebackup's stream had no backup_label/backup_manifest"
                        + " (is the server PostgreSQL 13+?)");
            }
            return new Taken(up.files(), up.backupLabel(), up.picked().get("backup_manifest"),
                    Optional.empty());
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
    private Taken staged(String label, String id, Options options, long expectedBytes) {
        try (StagingDirectory dir = staging()) {
            ProcessRunner.Result r = ProcessRunner.run(basebackup(label, dir.output().toString()), Map.of(),
                    Duration.ofHours(24));
            if (!r.ok()) {
                throw new PitrException(ExitCode.IO_FAILURE, "pg_basebackup failed (exit " + r.exitCode() + "): "
                        + r.stderr().strip().replace('\n', ' '));
            }
            List<Path> tars;
            try (Stream<Path> files = Files.list(dir.output())) {
                tars = files.filter(f -> f.getFileName().toString().endsWith(".tar"))
                        .sorted(Comparator.comparing((Path f) -> !f.getFileName().toString().equals("base.tar"))
                                .thenComparing(Path::toString)).toList();
            }
            List<BackupMetadata.BackupFile> stored = new ArrayList<>();
            Map<String, byte[]> picked = new java.util.HashMap<>();
            for (Path tar : tars) {
                String name = tar.getFileName().toString();
                try (InputStream in = Files.newInputStream(tar)) {
                    Uploaded up = upload(in, name, BackupCatalog.prefix(id) + name + ".zst", options, expectedBytes);
                    stored.addAll(up.files());
                    up.picked().forEach(picked::putIfAbsent);
                }
            }
            byte[] manifest = Files.readAllBytes(dir.output().resolve("backup_manifest"));
            if (!picked.containsKey("backup_label") || !picked.containsKey("tablespace_map")) {
                throw new PitrException(ExitCode.IO_FAILURE, "pg_basebackup's base.tar had no backup_label/tablespace_map");
            }
            return new Taken(stored, new String(picked.get("backup_label"), StandardCharsets.UTF_8), manifest,
                    Optional.of(picked.get("tablespace_map")));
        } catch (IOException e) {
            throw PitrException.io("backup staging in " + temporaryDirectory() + " failed: "
                    + e.getMessage(), e);
        }
    }

    /** Whether the server compresses this backup; a usage error when it was asked to and cannot. */
    private boolean serverCompresses(Options options, Server db) {
        Optional<String> refusal = serverCompressionRefusal(db.major(), db.size());
        if (options.compressAt() == CompressAt.SERVER && refusal.isPresent()) {
            throw PitrException.usage("--compress-at server: " + refusal.get() + "; use --compress-at client");
        }
        return options.compressAt() != CompressAt.CLIENT && refusal.isEmpty();
    }

    /** Why the server cannot compress this backup, if it cannot. */
    private Optional<String> serverCompressionRefusal(int major, long dbSize) {
        if (major < 15) {
            return Optional.of("PostgreSQL " + major + " cannot compress a base backup (15 and later can)");
        }
        Path tmp = temporaryDirectory();
        try {
            long free = Files.getFileStore(tmp).getUsableSpace();
            // compressed it is smaller, but an incompressible database is not: never fill that disk
            return free >= dbSize + dbSize / 10 ? Optional.empty() : Optional.of("the staging directory " + tmp + " has "
                    + free / 1048576 + " MiB free, less than the database's " + dbSize / 1048576 + " MiB and a tenth");
        } catch (IOException e) {
            return Optional.of("cannot tell the free space of the staging directory " + tmp + ": " + e.getMessage());
        }
    }

    /** The server compresses; each archive is stored while pg_basebackup writes it into a staging directory. */
    private Taken serverCompressed(String label, String id, Options options, long expectedBytes) {
        try (StagingDirectory staging = staging();
             BasebackupProgress watch = new BasebackupProgress(server, progress, bar, expectedBytes)) {
            List<String> command = new ArrayList<>(basebackup(label, staging.output().toString()));
            command.add(ServerCompressedBackup.compressOption(options.compression()));
            return new ServerCompressedBackup(repo, BackupCatalog.prefix(id)).take(command, staging, watch::tick);
        }
    }

    private static StagingDirectory staging() {
        return StagingDirectory.create(temporaryDirectory());
    }

    /** Where backups stage: java.io.tmpdir (-Djava.io.tmpdir in PITR_JAVA_OPTS moves it). */
    private static Path temporaryDirectory() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    static CompletableFuture<String> stderrOf(Process process) {
        return CompletableFuture.supplyAsync(() -> {
            try (InputStream err = process.getErrorStream()) {
                return new String(err.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    /**
     * Compresses one tar into the repository as it is read, cut into parts of about {@code partBytes} at file
     * boundaries ({@link TarParts}; part 1 under {@code key}), picking backup_label and backup_manifest out of it.
     * Each part is uploaded beside the reading. A failure of the source fails the upload of the part being
     * written: a short stream never becomes an object.
     */
    private Uploaded upload(InputStream source, String name, String key, Options options, long expectedBytes) {
        List<PartUpload> parts = new ArrayList<>();
        java.util.concurrent.ExecutorService uploaders = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "backup-upload");
            t.setDaemon(true);
            return t;
        });
        try (InputStream counted = new ProgressInputStream(new java.io.BufferedInputStream(source, 1 << 20), progress,
                bar, expectedBytes)) {
            TarParts.Result cut;
            try {
                cut = TarParts.split(counted, options.partBytes(), java.util.Set.copyOf(PICKED), n -> {
                    PartUpload part = new PartUpload(partKey(key, n), options.compression(), uploaders);
                    parts.add(part);
                    return part.raw();
                });
            } catch (IOException | RuntimeException e) {
                parts.forEach(p -> p.fail(e));
                for (PartUpload p : parts) {
                    p.uploadFailure().ifPresent(f -> { // the store's own error is the reason, not the closed pipe
                        throw f;
                    });
                }
                throw new PitrException(ExitCode.IO_FAILURE, "backup stream failed: " + e.getMessage(), e);
            }
            List<BackupMetadata.BackupFile> files = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                files.add(parts.get(i).await(name, cut.rawSizes().get(i)));
            }
            return new Uploaded(files, cut.picked());
        } catch (IOException e) {
            throw PitrException.io("backup stream failed: " + e.getMessage(), e);
        } finally {
            uploaders.shutdownNow();
        }
    }

    /** Part 1 keeps the single-object name, so a backup of one part is stored as before; part n is NAME.n.zst. */
    static String partKey(String key, int part) {
        return part == 1 ? key : key.replaceFirst("\\.zst$", "") + "." + part + ".zst";
    }

    /**
     * One part on its way into the repository: what is written to {@link #raw()} is compressed (zstd with frame
     * checksums) into a pipe that an uploader thread streams into the object, hashing the stored bytes.
     */
    private final class PartUpload {
        private final String key;
        private final PipedOutputStream pipe;
        private final OutputStream raw;
        private final MessageDigest sha = Hashing.sha256();
        private final java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                new java.util.concurrent.atomic.AtomicReference<>();
        private final java.util.concurrent.atomic.AtomicReference<RuntimeException> ownFailure =
                new java.util.concurrent.atomic.AtomicReference<>();
        private final java.util.concurrent.Future<Long> stored;

        PartUpload(String key, Compression compression, java.util.concurrent.ExecutorService uploaders) throws IOException {
            this.key = key;
            PipedInputStream pipeIn = new PipedInputStream(1 << 20);
            pipe = new PipedOutputStream(pipeIn);
            ZstdOutputStream z = new ZstdOutputStream(pipe, compression.level()) {
                @Override
                public synchronized void close() throws IOException {
                    if (failure.get() == null) {
                        super.close();
                    } else {
                        pipe.close();
                    }
                }
            };
            z.setChecksum(true).setWorkers(compression.workers());
            raw = new java.io.BufferedOutputStream(z, 1 << 20); // large writes: each is a JNI call
            // the uploader must see a failed stream as an error, never as a short but "complete" object
            InputStream compressed = new dev.pitr.core.ObservedInputStream(pipeIn) {
                @Override
                protected void observe(byte[] b, int off, int n) {
                    sha.update(b, off, n);
                }

                @Override
                protected void atEnd() throws IOException {
                    if (failure.get() != null) {
                        throw new IOException("backup stream failed: " + failure.get().getMessage());
                    }
                }
            };
            stored = uploaders.submit(() -> {
                try (compressed) {
                    return repo.putStream(key, compressed);
                } catch (RuntimeException e) {
                    if (failure.get() == null) {
                        ownFailure.set(e);
                    }
                    throw e;
                }
            });
        }

        OutputStream raw() {
            return raw;
        }

        /** The source failed: the uploader sees an error at the end of what it has, and stores nothing. */
        void fail(Throwable why) {
            failure.compareAndSet(null, why);
            try {
                pipe.close();
            } catch (IOException ignored) {
                // the uploader has already gone
            }
        }

        /** The repository's own error, when the upload failed by itself (before the source did). */
        Optional<RuntimeException> uploadFailure() {
            try {
                stored.get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                // its own failure, if any, was recorded when it happened
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Optional.ofNullable(ownFailure.get());
        }

        BackupMetadata.BackupFile await(String name, long rawBytes) {
            try {
                long size = stored.get();
                return new BackupMetadata.BackupFile(name, key, rawBytes, size, null, Hashing.hex(sha.digest()));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new PitrException(ExitCode.IO_FAILURE, "storing " + key + " failed: " + e.getCause().getMessage(),
                        e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw PitrException.io("interrupted during backup", e);
            }
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

    /** Counts what is read, with a progress line every 5 s (or the bar). */
    private static final class ProgressInputStream extends dev.pitr.core.ObservedInputStream {
        private final BytesProgress report;
        private long count;

        ProgressInputStream(InputStream in, Consumer<String> progress, ProgressBar bar, long expected) {
            super(in);
            this.report = new BytesProgress(progress, bar, expected);
        }

        @Override
        protected void observe(byte[] b, int off, int n) {
            count += n;
            report.at(count);
        }
    }
}
