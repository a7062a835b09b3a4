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
    /** Files stay as created. */
    public static final Ownership AS_CREATED = new Ownership(Optional.empty());

    public static Ownership of(Path dir) {
        if (!asRoot()) {
            return AS_CREATED;
        }
        try {
            return of(Files.readAttributes(dir, PosixFileAttributes.class));
        } catch (IOException | UnsupportedOperationException e) {
            return AS_CREATED; // not POSIX: as created
        }
    }

    /** For a directory whose attributes were read already. */
    public static Ownership of(PosixFileAttributes dir) {
        return asRoot() && !"root".equals(dir.owner().getName()) ? new Ownership(Optional.of(dir)) : AS_CREATED;
    }

    private static boolean asRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Gives {@code file} the directory's owner and group (before it is renamed into place). */
    public void apply(Path file) throws IOException {
        if (giveTo.isPresent()) {
            Files.setOwner(file, giveTo.get().owner());
            Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(giveTo.get().group());
        }
    }
}
