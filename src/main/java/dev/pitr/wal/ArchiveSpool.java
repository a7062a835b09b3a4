package dev.pitr.wal;

import dev.pitr.core.AtomicFiles;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The asynchronous archiver's spool ({@code <spool>/archive-out}): {@code NAME.ok} is written (temp + fsync +
 * rename) only once NAME is durable in the repository, so its mere existence lets the per-call command (even
 * the launcher script, without a JVM) answer PostgreSQL. {@code NAME.error} carries a failed push's exit code
 * and message to the next per-call run; {@code pusher.error} a failure of the pusher itself.
 */
public final class ArchiveSpool {
    public static final String DIR = SpoolLayout.ARCHIVE_OUT;
    private static final String OK = SpoolLayout.ACK_SUFFIX;
    private static final String ERROR = SpoolLayout.ERROR_SUFFIX;
    private static final String PUSHER_ERROR = "pusher.error";

    /** A push that failed: the exit code PostgreSQL will see and the message for its log. */
    public record Failure(ExitCode exitCode, String message) {
        PitrException toException() {
            return new PitrException(exitCode, message);
        }
    }

    /** A segment whose push failed, as the pusher left it for PostgreSQL's next call. */
    public record FailedSegment(String walName, Failure failure) {
    }

    private final Path dir;

    /** A spool that exists already, read without creating anything ({@code pitr check}); empty when absent. */
    public static Optional<ArchiveSpool> existing(Path spool) {
        Path dir = SpoolLayout.archiveOut(spool);
        return Files.isDirectory(dir) ? Optional.of(new ArchiveSpool(spool)) : Optional.empty(); // creates nothing
    }

    public ArchiveSpool(Path spool) {
        this.dir = SpoolLayout.archiveOut(spool);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw PitrException.usage("cannot create the archive spool " + dir + " (" + e.getMessage()
                    + "): give --spool a directory the PostgreSQL server user can write");
        }
    }

    public Path dir() {
        return dir;
    }

    public Path log() {
        return dir.resolve("pusher.log");
    }

    /**
     * Whether {@code walName} is durable in the repository: its acknowledgement exists and is not older than
     * PostgreSQL's {@code .ready} for it, which the archiver created before the pusher could store the segment.
     * An older one belongs to a cluster that used this spool before (re-created, or a copy): never trusted.
     */
    public boolean isAcknowledged(String walName, Path readyFile) {
        try {
            FileTime acknowledged = Files.getLastModifiedTime(dir.resolve(walName + OK));
            return !Files.exists(readyFile) || acknowledged.compareTo(Files.getLastModifiedTime(readyFile)) >= 0;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw PitrException.io("cannot read the acknowledgement of " + walName + " in " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** Says which process is the pusher, for the launcher: written once the pusher holds the lock. */
    public void recordPusher(long pid) {
        write(dir.resolve(SpoolLayout.PUSHER_PID), Long.toString(pid));
    }

    /** The pid of the pusher running for this spool, read from its note (nothing is locked or created). */
    public Optional<Long> runningPusher() {
        try {
            long pid = Long.parseLong(Files.readString(dir.resolve(SpoolLayout.PUSHER_PID)).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(SpoolLayout.PUSHER_COMMAND))
                            .orElse(true)) // another user's process may hide its arguments: the note is trusted
                    .map(p -> pid);
        } catch (NoSuchFileException | NumberFormatException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw PitrException.io("cannot read " + dir.resolve(SpoolLayout.PUSHER_PID) + ": " + e.getMessage(), e);
        }
    }

    public void forgetPusher() {
        try {
            Files.deleteIfExists(dir.resolve(SpoolLayout.PUSHER_PID));
        } catch (IOException e) {
            // a stale note names a pid that is no pusher: the launcher checks its command line
        }
    }

    public void acknowledge(String walName) {
        write(dir.resolve(walName + OK), "");
    }

    public void fail(String walName, Failure failure) {
        write(dir.resolve(walName + ERROR), failure.exitCode().name() + "\n" + failure.message());
    }

    public void failPusher(Failure failure) {
        write(dir.resolve(PUSHER_ERROR), failure.exitCode().name() + "\n" + failure.message());
    }

    public boolean hasFailed(String walName) {
        return Files.exists(dir.resolve(walName + ERROR));
    }

    /** Reads and removes a segment's failure, so the pusher tries it again on PostgreSQL's next attempt. */
    public Optional<Failure> takeFailure(String walName) {
        return take(dir.resolve(walName + ERROR));
    }

    /** The pusher's own failure, left in place (the next archive_command call reports and removes it). */
    public Optional<Failure> pusherFailure() {
        return peek(dir.resolve(PUSHER_ERROR));
    }

    /** The segments whose last push failed, oldest name first, left in place. */
    public List<FailedSegment> failedSegments() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(ERROR) && !p.getFileName().toString()
                            .equals(PUSHER_ERROR))
                    .sorted()
                    .flatMap(p -> peek(p).map(f -> new FailedSegment(stripSuffix(p, ERROR), f)).stream())
                    .toList();
        } catch (IOException e) {
            throw PitrException.io("cannot list the archive spool " + dir + ": " + e.getMessage(), e);
        }
    }

    public Optional<Failure> takePusherFailure() {
        return take(dir.resolve(PUSHER_ERROR));
    }

    /** Drops acknowledgements PostgreSQL no longer needs (their {@code .ready} is gone). */
    public void forgetAllBut(Set<String> stillReady) {
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> p.getFileName().toString().endsWith(OK))
                    .filter(p -> !stillReady.contains(stripSuffix(p, OK)))
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a stale .ok for a segment PostgreSQL already recycled is never consulted again
        }
    }

    /** The pusher's lock: held for its whole life, so at most one pusher runs per spool. */
    public Optional<FileLock> tryLock() {
        return tryLockFile(dir.resolve("pusher.lock"));
    }

    /** An exclusive lock on {@code file} if nobody holds it; released with {@link #release}. */
    static Optional<FileLock> tryLockFile(Path file) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
            }
            return Optional.ofNullable(lock);
        } catch (OverlappingFileLockException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw PitrException.io("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether a pusher holds the lock right now. */
    public boolean pusherRunning() {
        return held(dir.resolve("pusher.lock"));
    }

    /** Whether another process (or thread) holds the lock on {@code file} right now. */
    static boolean held(Path file) {
        Optional<FileLock> lock = tryLockFile(file);
        lock.ifPresent(ArchiveSpool::release);
        return lock.isEmpty();
    }

    static void release(FileLock lock) {
        try {
            lock.release();
            lock.channel().close();
        } catch (IOException e) {
            // closing a lock file cannot lose data
        }
    }

    private static String stripSuffix(Path p, String suffix) {
        String n = p.getFileName().toString();
        return n.substring(0, n.length() - suffix.length());
    }

    private static Optional<Failure> take(Path file) {
        Optional<Failure> failure = peek(file);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw PitrException.io("cannot remove " + file + ": " + e.getMessage(), e);
        }
        return failure;
    }

    private static Optional<Failure> peek(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            String[] parts = text.split("\n", 2);
            ExitCode code = Arrays.stream(ExitCode.values()).filter(c -> c.name().equals(parts[0])).findFirst()
                    .orElse(ExitCode.IO_FAILURE);
            return Optional.of(new Failure(code, parts.length > 1 ? parts[1] : text));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw PitrException.io("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, String text) {
        try {
            AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw PitrException.io("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
