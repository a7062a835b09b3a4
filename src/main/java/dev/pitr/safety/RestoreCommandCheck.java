package dev.pitr.safety;

import dev.pitr.core.Trees;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.wal.WalSegmentName;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The restore_command a standby or a hand-made restore of this cluster pastes, run once the way PostgreSQL would
 * run it: as the server user, from a directory of its own, for the newest segment the server archived. A command
 * that cannot read the configuration, the key or the repository as that user, or another tool that cannot reach
 * its repository, fails here rather than in the middle of an incident.
 */
final class RestoreCommandCheck {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private final Function<Path, String> commandFor;
    private final Map<String, String> env;

    /**
     * {@code commandFor}: the restore_command for a server whose data directory is the argument; {@code env}: the
     * environment it runs with (pitr's own: what the server's environment should give it).
     */
    RestoreCommandCheck(Function<Path, String> commandFor, Map<String, String> env) {
        this.commandFor = commandFor;
        this.env = env;
    }

    /** {@code dataDirectory}: the server's; {@code segment}: the newest in the repository. */
    Readiness.Finding run(Optional<String> dataDirectory, Optional<WalSegmentName> segment) {
        String command = commandFor.apply(Path.of(dataDirectory.orElse(".")));
        String paste = "restore_command = '" + command.replace("'", "''") + "'";
        if (segment.isEmpty()) {
            return new Readiness.Finding(Readiness.Level.WARN, "restore_command", command, "",
                    "not tried: the repository holds no WAL segment yet (" + paste + ")");
        }
        String user = ProcessRunner.runningAsRoot() ? ProcessRunner.SERVER_USER : System.getProperty("user.name");
        Path dir = null;
        try {
            dir = Files.createTempDirectory("pitr-check-");
            ProcessRunner.giveToServerUser(dir);
            Path dest = dir.resolve("RECOVERYXLOG");
            String line = command.replace("%f", segment.get().toString()).replace("%p", dest.toString());
            ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.asServerUser(List.of("sh", "-c",
                    "cd '" + dir + "' && " + line)), env, TIMEOUT);
            if (!r.ok() || !Files.isRegularFile(dest)) {
                String why = (r.stderr() + r.stdout()).strip();
                String first = why.isEmpty() ? "no output" : why.lines().findFirst().orElse(why);
                return new Readiness.Finding(Readiness.Level.FAIL, "restore_command", command,
                        "make it work as " + user + " (" + paste + ")", "fetching " + segment.get() + " as " + user
                        + " failed (exit " + r.exitCode() + "): " + first + "; replay runs it as " + user);
            }
            return new Readiness.Finding(Readiness.Level.OK, "restore_command", command, "", "fetched " + segment.get()
                    + " (" + String.format(Locale.ROOT, "%.1f MiB", Files.size(dest) / 1048576.0) + ") as " + user + ": a standby or a restore by hand can"
                    + " paste " + paste);
        } catch (IOException e) {
            return new Readiness.Finding(Readiness.Level.WARN, "restore_command", command, "",
                    "not tried: " + e.getMessage());
        } finally {
            if (dir != null) {
                try {
                    Trees.delete(dir);
                } catch (IOException e) {
                    // a scratch directory left in /tmp is untidy, not wrong
                }
            }
        }
    }
}
