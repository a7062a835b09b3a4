package dev.pitr.wal;

import dev.pitr.core.PitrException;
import dev.pitr.core.Trees;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A temporary directory for the segments pg_waldump reads, removed with everything in it when closed. */
record ScratchDir(Path path) implements AutoCloseable {
    static ScratchDir create(String prefix) {
        try {
            return new ScratchDir(Files.createTempDirectory(prefix));
        } catch (IOException e) {
            throw PitrException.io("cannot create a temporary directory for pg_waldump: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            Trees.delete(path);
        } catch (IOException ignored) {
            // temporary files: the OS reclaims them
        }
    }
}
