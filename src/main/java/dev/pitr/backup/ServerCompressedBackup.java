package dev.pitr.backup;

import com.github.luben.zstd.ZstdInputStream;
import dev.pitr.core.ExitCode;
import dev.pitr.core.Hashing;
import dev.pitr.core.PitrException;
import dev.pitr.repo.Repository;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * A base backup the server compresses itself (PostgreSQL 15+: BASE_BACKUP with zstd and its worker threads).
 * The walsender reads and compresses, and only compressed bytes leave it: on two cores that is what beats
 * reading the files with two processes, because the raw tar no longer crosses a socket, pg_basebackup and a
 * pipe before it is compressed. pg_basebackup cannot put its manifest into a compressed stream, so it writes
 * each archive ({@code base.tar.zst}, {@code OID.tar.zst} per tablespace) into a staging directory, and pitr
 * follows each one as it grows: one reader stores it in the repository, another decodes it beside, to count
 * the tar a restore must find and to pick backup_label and tablespace_map out of it. The staging directory
 * holds the compressed size at most and is removed afterwards.
 */
final class ServerCompressedBackup {
    private static final String SUFFIX = ".tar.zst";
    private static final long TICK_MILLIS = 50;

    private final Repository repo;
    private final String keyPrefix;
    private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "backup-follow");
        t.setDaemon(true);
        return t;
    });

    /** One archive as stored, with the picked files found in it. */
    private record Stored(BackupMetadata.BackupFile file, Map<String, byte[]> picked) {
    }

    ServerCompressedBackup(Repository repo, String keyPrefix) {
        this.repo = repo;
        this.keyPrefix = keyPrefix;
    }

    /** The pg_basebackup option that has the server compress: zstd at {@code level}, with its worker threads. */
    static String compressOption(BackupService.Compression compression) {
        return "--compress=server-zstd:level=" + compression.level()
                + (compression.workers() > 0 ? ",workers=" + compression.workers() : "");
    }

    /**
     * Runs {@code command} (pg_basebackup writing tar archives into the staging output) and stores every archive it
     * writes while it writes it; {@code tick} runs every few milliseconds meanwhile (progress).
     */
    BackupService.Taken take(List<String> command, StagingDirectory staging, Runnable tick) {
        Path out = staging.output();
        Process process;
        try {
            process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            process.getOutputStream().close();
        } catch (IOException e) {
            throw PitrException.io("cannot start pg_basebackup: " + e.getMessage(), e);
        }
        java.util.concurrent.CompletableFuture<String> stderr = BackupService.stderrOf(process);
        // stopped by a signal (Ctrl-C, SIGTERM): pg_basebackup writes into files, not into pitr, so it would
        // run on and leave its archives behind
        Thread onSignal = new Thread(() -> {
            process.destroyForcibly();
            try {
                process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
                staging.close();
            } catch (InterruptedException e) {
                // the JVM is going away: a leftover staging directory wastes space, it makes nothing wrong
            }
        }, "backup-stop");
        Runtime.getRuntime().addShutdownHook(onSignal);
        Map<Path, Future<Stored>> following = new LinkedHashMap<>();
        try {
            while (true) {
                boolean exited = !process.isAlive(); // archives listed after the exit are all there is
                for (Path archive : archives(out)) {
                    if (!following.containsKey(archive)) {
                        Set<Path> known = new HashSet<>(following.keySet());
                        known.add(archive);
                        following.put(archive, readers.submit(() -> store(archive, finishedWhen(process, out, known))));
                    }
                }
                if (exited) {
                    break;
                }
                Optional<PitrException> failed = firstFailure(following);
                if (failed.isPresent() && process.isAlive()) { // the repository refused: stop now, not at its end
                    throw failed.get(); // (a reader that failed because pg_basebackup did: its error says more)
                }
                tick.run();
                Thread.sleep(TICK_MILLIS);
            }
            int exit = process.waitFor();
            if (exit != 0) {
                String err = stderr.join().strip().replace('\n', ' ');
                // a server built without zstd ("... is not supported by this build")
                throw new PitrException(ExitCode.IO_FAILURE, "pg_basebackup failed (exit " + exit + "): " + err
                        + (err.contains("not supported") ? "; back up with --compress-at client" : ""));
            }
            return taken(out, following);
        } catch (IOException e) {
            throw PitrException.io("cannot list pg_basebackup's output in " + out + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PitrException.io("interrupted during backup", e);
        } finally {
            process.destroyForcibly();
            readers.shutdownNow();
            try {
                Runtime.getRuntime().removeShutdownHook(onSignal);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it stops pg_basebackup
            }
        }
    }

    /**
     * pg_basebackup writes the archives one after another and closes each before it opens the next, so an
     * archive is finished once the process has exited or an archive not known when it began has appeared.
     */
    private static GrowingFileInputStream.Writer finishedWhen(Process process, Path out, Set<Path> known) {
        return () -> {
            if (!process.isAlive()) {
                if (process.exitValue() != 0) {
                    throw new IOException("pg_basebackup failed (exit " + process.exitValue() + ")");
                }
                return true;
            }
            return archives(out).stream().anyMatch(a -> !known.contains(a));
        };
    }

    private static List<Path> archives(Path out) throws IOException {
        if (!Files.isDirectory(out)) {
            return List.of(); // pg_basebackup creates it once it has connected
        }
        try (Stream<Path> files = Files.list(out)) {
            return files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        }
    }

    /** Stores one archive as it grows and decodes it beside; both read the file the process is writing. */
    private Stored store(Path archive, GrowingFileInputStream.Writer writer) throws IOException {
        String fileName = archive.getFileName().toString();
        String tarName = fileName.substring(0, fileName.length() - ".zst".length());
        String key = keyPrefix + fileName;
        Future<TarParts.Result> decoded = readers.submit(() -> {
            try (InputStream tar = new ZstdInputStream(new GrowingFileInputStream(archive, writer))) {
                return TarParts.split(tar, Long.MAX_VALUE, Set.copyOf(BackupService.PICKED),
                        part -> OutputStream.nullOutputStream());
            }
        });
        MessageDigest sha = Hashing.sha256();
        long stored;
        try (InputStream compressed = new DigestInputStream(new GrowingFileInputStream(archive, writer), sha)) {
            stored = repo.putStream(key, compressed);
        }
        TarParts.Result tar = result(decoded, archive);
        return new Stored(new BackupMetadata.BackupFile(tarName, key, tar.rawSizes().get(0), stored, null,
                Hashing.hex(sha.digest())), tar.picked());
    }

    private static TarParts.Result result(Future<TarParts.Result> decoded, Path archive) throws IOException {
        try {
            return decoded.get();
        } catch (ExecutionException e) {
            throw new IOException("the server's archive " + archive.getFileName() + " does not decode as a zstd tar: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while decoding " + archive);
        }
    }

    /** The failure of a reader that has already ended with one. */
    private static Optional<PitrException> firstFailure(Map<Path, Future<Stored>> following) throws InterruptedException {
        for (Map.Entry<Path, Future<Stored>> f : following.entrySet()) {
            if (f.getValue().isDone()) {
                try {
                    f.getValue().get();
                } catch (ExecutionException e) {
                    return Optional.of(storingFailed(f.getKey(), e.getCause()));
                }
            }
        }
        return Optional.empty();
    }

    private static PitrException storingFailed(Path archive, Throwable cause) {
        return cause instanceof PitrException pe ? pe : new PitrException(ExitCode.IO_FAILURE, "storing "
                + archive.getFileName() + " from pg_basebackup failed: " + cause.getMessage(), cause);
    }

    /** base.tar first (it holds backup_label), the tablespaces after it in OID order. */
    private static BackupService.Taken taken(Path out, Map<Path, Future<Stored>> following) throws InterruptedException {
        List<Path> order = following.keySet().stream().sorted(Comparator
                .comparing((Path f) -> !f.getFileName().toString().equals("base" + SUFFIX)).thenComparing(Path::toString))
                .toList();
        List<BackupMetadata.BackupFile> files = new ArrayList<>();
        Map<String, byte[]> picked = new HashMap<>();
        for (Path archive : order) {
            try {
                Stored s = following.get(archive).get();
                files.add(s.file());
                s.picked().forEach(picked::putIfAbsent);
            } catch (ExecutionException e) {
                throw storingFailed(archive, e.getCause());
            }
        }
        if (!picked.containsKey("backup_label") || files.isEmpty()) {
            throw new PitrException(ExitCode.IO_FAILURE, "pg_basebackup wrote no base.tar.zst with a backup_label into "
                    + out);
        }
        byte[] manifest;
        try {
            manifest = Files.readAllBytes(out.resolve("backup_manifest"));
        } catch (IOException e) {
            throw PitrException.io("pg_basebackup left no backup_manifest in " + out + ": " + e.getMessage(), e);
        }
        // a tar backup always carries a tablespace_map; an empty one says there are no tablespaces
        return new BackupService.Taken(files, new String(picked.get("backup_label"), StandardCharsets.UTF_8), manifest,
                Optional.ofNullable(picked.get("tablespace_map")).filter(map -> map.length > 0));
    }
}
