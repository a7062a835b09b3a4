package dev.pitr.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing directory trees, the one way: children before parents, symbolic links removed, never followed. */
public final class Trees {
    private Trees() {
    }

    /** Whether {@code dir} is a directory with nothing in it; a path that cannot be listed is not. */
    public static boolean isEmptyDirectory(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes {@code root} and everything under it; a missing root is fine. */
    public static void delete(Path root) throws IOException {
        emptyOut(root);
        Files.deleteIfExists(root);
    }

    /** Deletes everything under {@code dir}, keeping (or creating) the directory itself. */
    public static void empty(Path dir) throws IOException {
        emptyOut(dir);
        Files.createDirectories(dir);
    }

    private static void emptyOut(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
