package dev.pitr.cli;

import dev.pitr.core.PitrException;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the pitr launcher script is, for the restore_command a restored server runs. */
final class Launcher {
    private Launcher() {
    }

    static Path path() {
        String explicit = System.getProperty("pitr.launcher", System.getenv("PITR_LAUNCHER"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath();
        }
        try {
            Path jar = Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path candidate : new Path[]{jar.resolveSibling("pitr"), jar.getParent().resolveSibling("scripts").resolve("pitr")}) {
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        } catch (URISyntaxException | RuntimeException ignored) {
            // fall through to the error
        }
        throw PitrException.usage("cannot find the pitr launcher for restore_command: set PITR_LAUNCHER");
    }
}
