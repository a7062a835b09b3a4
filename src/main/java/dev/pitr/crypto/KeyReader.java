package dev.pitr.crypto;

import dev.pitr.config.KeySource;
import dev.pitr.core.PitrException;
import dev.pitr.pg.ProcessRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads a repository key from where the configuration says it is, with no terminal: archive_command and
 * restore_command run without one. The key is the first line (a command's standard output, a file's content).
 */
public final class KeyReader {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private KeyReader() {
    }

    public static Secret read(KeySource source, Consumer<String> warn) {
        if (source instanceof KeySource.Variable v) {
            return Secret.of(firstLine(v.value()), source);
        }
        if (source instanceof KeySource.File f) {
            return Secret.of(firstLine(readFile(f.path(), warn)), source);
        }
        return Secret.of(firstLine(run(((KeySource.Command) source).command())), source);
    }

    private static String readFile(Path path, Consumer<String> warn) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path);
            if (mode.contains(PosixFilePermission.OTHERS_READ) || mode.contains(PosixFilePermission.GROUP_READ)) {
                warn.accept("warning: encryption key file " + path + " is readable by others: chmod 600 it");
            }
            return Files.readString(path);
        } catch (NoSuchFileException e) {
            throw PitrException.usage("encryption key file " + path + " does not exist: fix encryption-key-file"
                    + " (or PITR_ENCRYPTION_KEY_FILE)");
        } catch (IOException e) {
            throw PitrException.io("cannot read encryption key file " + path + ": " + e.getMessage()
                    + " (it must be readable by the user pitr runs as, the server user for archive_command)", e);
        }
    }

    private static String run(String command) {
        ProcessRunner.Result r = ProcessRunner.run(List.of("/bin/sh", "-c", command), Map.of(), COMMAND_TIMEOUT);
        if (r.exitCode() != 0) {
            String why = r.stderr().strip().lines().findFirst().orElse("no message");
            throw PitrException.refused("encryption-key-command '" + command + "' failed (exit "
                    + r.exitCode() + ": " + why + "): no key, nothing was read or written");
        }
        return r.stdout();
    }

    private static String firstLine(String text) {
        return text.lines().findFirst().orElse("").strip();
    }
}
