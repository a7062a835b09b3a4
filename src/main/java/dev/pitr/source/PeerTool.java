package dev.pitr.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.ExitCode;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
import dev.pitr.pg.ProcessRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Another tool's program, run the way its users run it: by name from PATH, with the arguments that say which
 * repository ({@code leading}), optionally as the server user, with {@code env} added. A tool that is missing
 * is a usage error naming its Debian package; a failure carries the tool's own first line.
 */
record PeerTool(String program, String debianPackage, String repository, List<String> leading, boolean asServerUser,
                Map<String, String> env) {
    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    /** The time and process id that Barman's tools put before each line they log. */
    private static final Pattern LOG_STAMP = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d+ \\[\\d+\\] ");

    /** Runs {@code program leading... args...}; returns its standard output. */
    String run(String... args) {
        return runProgram(program, args);
    }

    /** Runs another program of the same tool (Barman's cloud tools are one program per action). */
    String runProgram(String name, String... args) {
        if (!installed(name)) {
            throw PitrException.usage(name + " is not installed, and pitr reads " + repository + " through it: apt"
                    + " install " + debianPackage);
        }
        List<String> command = new ArrayList<>(List.of(name));
        command.addAll(leading);
        command.addAll(List.of(args));
        ProcessRunner.Result r = ProcessRunner.run(asServerUser ? ProcessRunner.asServerUser(command) : command, env,
                TIMEOUT);
        if (!r.ok()) {
            String why = (r.stderr() + r.stdout()).strip();
            int nl = why.indexOf('\n');
            String first = LOG_STAMP.matcher(nl < 0 ? why : why.substring(0, nl)).replaceFirst("");
            String what = args.length > 0 && !args[0].startsWith("-") ? name + " " + args[0] : name;
            throw new PitrException(ExitCode.IO_FAILURE, what + " for " + repository + " failed (exit "
                    + r.exitCode() + "): " + first);
        }
        return r.stdout();
    }

    JsonNode json(String text, String what) {
        try {
            return Json.mapper().readTree(text);
        } catch (IOException e) {
            throw new PitrException(ExitCode.IO_FAILURE, program + " " + what + " for " + repository
                    + " printed no JSON: " + e.getMessage());
        }
    }

    private static boolean installed(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }
}
