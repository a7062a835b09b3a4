package dev.pitr.pg;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** initdb and pg_ctl, run as the server's OS user. */
public final class PgCtl {
    private final PgBinaries bins;

    public PgCtl(PgBinaries bins) {
        this.bins = bins;
    }

    public PgBinaries binaries() {
        return bins;
    }

    public void initdb(Path dataDir, List<String> options) {
        List<String> cmd = new ArrayList<>(List.of(bins.tool("initdb").toString(), "-D", dataDir.toString()));
        cmd.addAll(options);
        check("initdb", ProcessRunner.run(ProcessRunner.asServerUser(cmd), Map.of(), Duration.ofMinutes(5)));
    }

    /** Starts the server and waits until it accepts connections (or has started recovery, for a restore). */
    public void start(Path dataDir, Path logFile, Map<String, String> env, Duration timeout) {
        List<String> cmd = List.of(bins.tool("pg_ctl").toString(), "-D", dataDir.toString(), "-l", logFile.toString(),
                "-w", "-t", String.valueOf(timeout.toSeconds()), "start");
        check("pg_ctl start (server log: " + logFile + ")",
                ProcessRunner.run(ProcessRunner.asServerUser(cmd), env, timeout.plusSeconds(30)));
    }

    /** Starts the server without waiting (a restore follows replay itself and reads the log on failure). */
    public void startNoWait(Path dataDir, Path logFile, Map<String, String> env) {
        List<String> cmd = List.of(bins.tool("pg_ctl").toString(), "-D", dataDir.toString(), "-l", logFile.toString(),
                "-W", "start");
        check("pg_ctl start (server log: " + logFile + ")",
                ProcessRunner.run(ProcessRunner.asServerUser(cmd), env, Duration.ofMinutes(2)));
    }

    public void stop(Path dataDir, String mode) {
        stop(dataDir, mode, Duration.ofSeconds(120));
    }

    private void stop(Path dataDir, String mode, Duration wait) {
        List<String> cmd = List.of(bins.tool("pg_ctl").toString(), "-D", dataDir.toString(), "-m", mode, "-w",
                "-t", Long.toString(wait.toSeconds()), "stop");
        check("pg_ctl stop", ProcessRunner.run(ProcessRunner.asServerUser(cmd), Map.of(), wait.plusMinutes(1)));
    }

    /**
     * Stops a server that is still in recovery (a restored copy): fast, and if that does not finish within
     * {@code wait} (a walsender waiting on a standby that attached to the copy holds a fast shutdown), at once:
     * a server in recovery loses nothing that way, it replays the same WAL when it starts again.
     */
    public void stopInRecovery(Path dataDir, Duration wait) {
        try {
            stop(dataDir, "fast", wait);
        } catch (PitrException slow) {
            if (isRunning(dataDir)) {
                stop(dataDir, "immediate", Duration.ofSeconds(60));
            }
        }
    }

    /** A setting as a stopped server in {@code dataDir} would run with it (postgres -C), in its base unit. */
    public java.util.Optional<String> configured(Path dataDir, String setting) {
        List<String> cmd = List.of(bins.tool("postgres").toString(), "-C", setting, "-D", dataDir.toString());
        ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.asServerUser(cmd), Map.of(), Duration.ofSeconds(30));
        return r.ok() && !r.stdout().isBlank() ? java.util.Optional.of(r.stdout().strip()) : java.util.Optional.empty();
    }

    public boolean isRunning(Path dataDir) {
        List<String> cmd = List.of(bins.tool("pg_ctl").toString(), "-D", dataDir.toString(), "status");
        return ProcessRunner.run(ProcessRunner.asServerUser(cmd), Map.of(), Duration.ofSeconds(30)).exitCode() == 0;
    }

    private static void check(String what, ProcessRunner.Result r) {
        if (!r.ok()) {
            String detail = (r.stderr() + " " + r.stdout()).strip().replace('\n', ' ');
            throw new PitrException(ExitCode.IO_FAILURE, what + " failed (exit " + r.exitCode() + "): " + detail);
        }
    }
}
