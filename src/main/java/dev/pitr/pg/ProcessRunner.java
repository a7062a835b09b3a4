package dev.pitr.pg;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs PostgreSQL's own programs. PostgreSQL refuses to run as root, so when pitr runs as root the server
 * binaries run as the {@code postgres} OS user (through util-linux's setpriv, keeping the environment).
 */
public final class ProcessRunner {
    public static final String SERVER_USER = "postgres";

    /** What a finished process printed and returned. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private ProcessRunner() {
    }

    public static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The command line that runs {@code command} as the server's OS user (unchanged unless we are root). */
    public static List<String> asServerUser(List<String> command) {
        if (!runningAsRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + SERVER_USER,
                "--regid=" + SERVER_USER, "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Hands a directory tree to the server's OS user when we are root (PostgreSQL insists on owning PGDATA). */
    /**
     * Gives {@code path} and everything under it to the server user, when pitr runs as root. Only what the
     * server user does not own yet is changed: a chown marks the inode changed even when the owner is already
     * right, and the server's start-up fsync of every file of a restored copy would then write them all again.
     */
    public static void giveToServerUser(Path path) {
        if (!runningAsRoot()) {
            return;
        }
        List<String> notYet = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> all = java.nio.file.Files.walk(path)) {
            all.filter(p -> !ownedByServerUser(p)).forEach(p -> notYet.add(p.toString()));
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new PitrException(ExitCode.IO_FAILURE, "cannot give " + path + " to the '" + SERVER_USER
                    + "' user: " + e.getMessage());
        }
        for (int i = 0; i < notYet.size(); i += 1000) {
            List<String> command = new java.util.ArrayList<>(List.of("chown", "-h", SERVER_USER + ":"));
            command.addAll(notYet.subList(i, Math.min(notYet.size(), i + 1000)));
            Result r = run(command, Map.of(), Duration.ofMinutes(5));
            if (!r.ok()) {
                throw new PitrException(ExitCode.IO_FAILURE, "cannot give " + path + " to the '" + SERVER_USER
                        + "' user: " + r.stderr().strip());
            }
        }
    }

    private static boolean ownedByServerUser(Path p) {
        try {
            return java.nio.file.Files.getOwner(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).getName().equals(SERVER_USER);
        } catch (java.io.IOException e) {
            return false; // chown says what is wrong with it
        }
    }

    public static Result run(List<String> command, Map<String, String> extraEnv, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(extraEnv);
        if (runningAsRoot() && command.get(0).equals("setpriv")) {
            pb.environment().put("HOME", serverUserHome());
        }
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new PitrException(ExitCode.IO_FAILURE, "'" + String.join(" ", command) + "' did not finish in "
                        + timeout.toSeconds() + " s and was stopped");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new PitrException(ExitCode.IO_FAILURE, "cannot run '" + command.get(0) + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PitrException(ExitCode.IO_FAILURE, "interrupted while running " + command.get(0), e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                in.transferTo(buf);
                return buf.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static String serverUserHome() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":");
                if (f.length > 5 && f[0].equals(SERVER_USER)) {
                    return f[5];
                }
            }
        } catch (IOException ignored) {
            // fall through to a neutral home
        }
        return "/tmp";
    }
}
