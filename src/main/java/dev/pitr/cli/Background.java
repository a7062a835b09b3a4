package dev.pitr.cli;

import dev.pitr.core.PitrException;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a pitr helper (the archive pusher, the fetch prefetcher) as its own session through the launcher, so
 * it outlives the archive_command/restore_command call that started it; its output goes to {@code log}.
 */
final class Background {
    private Background() {
    }

    static void start(List<String> inheritedArgs, List<String> args, Path log) {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        }
        command.add(Launcher.path().toString());
        command.addAll(inheritedArgs);
        command.addAll(args);
        try {
            new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw PitrException.io("cannot start pitr " + String.join(" ", args.subList(0, 2)) + " in the background: "
                    + e.getMessage(), e);
        }
    }
}
