package dev.pitr.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Optional;

/**
 * Who owns what pitr writes into a directory: when root writes into a directory another user owns (a repository
 * the server user archives into, a restore's spool), the file takes that user and group, so that the server can
 * read, rename and later reuse it. Anyone else's files stay as created.
 */
public record Ownership(Optional<PosixFileAttributes> giveTo) {
    public static Ownership of(Path dir) {
        if (!"root".equals(System.getProperty("user.name"))) {
            return new Ownership(Optional.empty());
        }
        try {
            PosixFileAttributes attrs = Files.readAttributes(dir, PosixFileAttributes.class);
            return new Ownership("root".equals(attrs.owner().getName()) ? Optional.empty() : Optional.of(attrs));
        } catch (IOException | UnsupportedOperationException e) {
            return new Ownership(Optional.empty()); // not POSIX: as created
        }
    }

    /** Gives {@code file} the directory's owner and group (before it is renamed into place). */
    public void apply(Path file) throws IOException {
        if (giveTo.isPresent()) {
            Files.setOwner(file, giveTo.get().owner());
            Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(giveTo.get().group());
        }
    }
}
