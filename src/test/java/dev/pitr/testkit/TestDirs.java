package dev.pitr.testkit;

import dev.pitr.pg.ProcessRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temp directories the PostgreSQL server user can own or write (tests run as root in CI). */
public final class TestDirs {
    private TestDirs() {
    }

    public static Path serverOwned(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessRunner.giveToServerUser(dir);
        return dir;
    }

    /** A directory anyone may write: a file repository that archive_command (as postgres) writes into. */
    public static Path shared(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    public static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: temp dirs are reclaimed by the OS anyway
        }
    }
}
