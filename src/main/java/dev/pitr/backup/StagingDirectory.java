package dev.pitr.backup;

import dev.pitr.core.PitrException;
import dev.pitr.core.Trees;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where pg_basebackup writes when its output cannot be streamed: {@code pitr-backup-*} in the temporary
 * directory, removed when the backup ends. Each one names the pitr process that owns it, so one left behind by
 * a pitr that was killed outright (SIGKILL, a crash: no code of it runs) is removed by the next backup
 * ({@link #removeAbandoned}), instead of filling the disk one backup at a time.
 */
final class StagingDirectory implements AutoCloseable {
    static final String PREFIX = "pitr-backup-";
    static final String OWNER = "pitr.pid";

    private final Path path;

    private StagingDirectory(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** Where pg_basebackup writes: a directory it creates itself. */
    Path output() {
        return path.resolve("out");
    }

    /** A new staging directory in {@code parent}, owned by this process. */
    static StagingDirectory create(Path parent) {
        try {
            Path dir = Files.createTempDirectory(parent, PREFIX);
            Files.writeString(dir.resolve(OWNER), Long.toString(ProcessHandle.current().pid()));
            return new StagingDirectory(dir);
        } catch (IOException e) {
            throw PitrException.io("cannot create a staging directory in " + parent + ": " + e.getMessage(), e);
        }
    }

    /** Staging directories whose owning process has ended; one without an owner note is left alone. */
    static void removeAbandoned(Path parent) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path dir : dirs) {
                if (owner(dir).map(pid -> ProcessHandle.of(pid).isEmpty()).orElse(false)) {
                    delete(dir);
                }
            }
        } catch (IOException e) {
            // a directory that cannot be listed is one the new backup will report when it cannot stage there
        }
    }

    private static Optional<Long> owner(Path dir) {
        try {
            return Optional.of(Long.parseLong(Files.readString(dir.resolve(OWNER), StandardCharsets.US_ASCII).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void delete(Path dir) {
        try {
            Trees.delete(dir);
        } catch (IOException e) {
            // a leftover staging directory wastes space; it cannot make a backup wrong
        }
    }

    @Override
    public void close() {
        delete(path);
    }
}
