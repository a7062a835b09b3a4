package dev.pitr.core;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * A permission failure said in full, without -v: which file, whose it is, and which user pitr runs as. Files
 * written by root and read later as postgres (or the other way round) are the usual cause.
 */
public final class Permissions {
    private Permissions() {
    }

    /** The explanation when {@code e} (or a cause) is a denied file access. */
    public static Optional<String> explain(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AccessDeniedException denied && denied.getFile() != null) {
                return Optional.of(describe(Path.of(denied.getFile())));
            }
        }
        return Optional.empty();
    }

    static String describe(Path file) {
        Path p = file;
        while (p != null && !Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            p = p.getParent(); // a file that could not be created: its directory decides
        }
        String user = System.getProperty("user.name");
        if (p == null) {
            return "permission denied on " + file + "; pitr runs as " + user;
        }
        try {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
            String owner = a.owner().getName();
            return "permission denied on " + file + (p.equals(file) ? "" : " (in " + p + ")") + ": owned by " + owner
                    + ":" + a.group().getName() + " " + PosixFilePermissions.toString(a.permissions()) + ", pitr runs as "
                    + user + (owner.equals(user) ? "" : "; run pitr as " + owner + " (sudo -u " + owner + " pitr ...) or"
                    + " give the file to " + user + " (chown)");
        } catch (IOException | UnsupportedOperationException x) {
            return "permission denied on " + file + "; pitr runs as " + user;
        }
    }
}
