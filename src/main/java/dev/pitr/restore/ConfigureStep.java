package dev.pitr.restore;

import dev.pitr.core.AtomicFiles;
import dev.pitr.core.PitrException;
import dev.pitr.pg.PgCtl;
import dev.pitr.pg.ProcessRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/** CONFIGURE: recovery.signal (standby.signal for the latest WAL) and pitr's recovery settings in the copy. */
final class ConfigureStep implements Step {
    /** The most shared memory a side-by-side copy is given for replay, and at most this share of what is free. */
    static final long REPLAY_BUFFERS_MAX = 1L << 30;
    static final int REPLAY_BUFFERS_SHARE_OF_FREE = 4;
    private final PgCtl pg;
    private final Function<RestorePlan, String> restoreCommand;

    /** {@code restoreCommand}: the copy's restore_command (its spool first). */
    ConfigureStep(PgCtl pg, Function<RestorePlan, String> restoreCommand) {
        this.pg = pg;
        this.restoreCommand = restoreCommand;
    }

    @Override
    public StepResult run(RestorePlan plan) {
        Map<String, String> recovery = new java.util.LinkedHashMap<>(plan.recoverySettings());
        replayBuffers(plan).ifPresent(b -> recovery.put("shared_buffers", b));
        ConfigureStep.conf(restoreCommand.apply(plan), plan, recovery).writeTo(plan.pgdata());
        try {
            boolean standby = plan.target() instanceof RecoveryTarget.Latest;
            Files.deleteIfExists(plan.pgdata().resolve(standby ? "recovery.signal" : "standby.signal"));
            AtomicFiles.write(plan.pgdata().resolve(standby ? "standby.signal" : "recovery.signal"), new byte[0]);
            Files.deleteIfExists(plan.recoveryEndedNote()); // a re-run replays to the planned target again
        } catch (IOException e) {
            throw PitrException.io("cannot write the recovery settings into " + plan.pgdata() + ": " + e.getMessage(), e);
        }
        ProcessRunner.giveToServerUser(plan.pgdata());
        return StepResult.NONE;
    }

    /**
     * Replay of a busy primary's WAL evicts and rewrites buffers all the time with the default 128 MB (1.5x
     * slower at pgbench scale 200). A side-by-side copy configured with less gets up to 1 GiB, at most a quarter
     * of the memory free now; the cluster restored in place keeps its own setting.
     */
    private java.util.Optional<String> replayBuffers(RestorePlan plan) {
        if (plan.inPlace()) {
            return java.util.Optional.empty();
        }
        long wanted = Math.min(REPLAY_BUFFERS_MAX, memoryAvailable().orElse(0L) / REPLAY_BUFFERS_SHARE_OF_FREE);
        try {
            // two runs of the server binary: side by side (each reads the whole configuration)
            java.util.concurrent.CompletableFuture<java.util.Optional<String>> blockSize =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> pg.configured(plan.pgdata(), "block_size"));
            long buffers = Long.parseLong(pg.configured(plan.pgdata(), "shared_buffers").orElse("0"));
            long has = buffers * Long.parseLong(blockSize.join().orElse("8192"));
            return has > 0 && has < wanted ? java.util.Optional.of((wanted >> 20) + "MB") : java.util.Optional.empty();
        } catch (NumberFormatException e) {
            return java.util.Optional.empty(); // a setting pitr cannot read is left as it is
        }
    }

    private static java.util.Optional<Long> memoryAvailable() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemAvailable:"))
                    .map(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).findFirst();
        } catch (IOException | NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    /** pitr's block for this copy: its restore_command, the recovery settings, a port of its own. */
    static RecoveryConf conf(String restoreCommand, RestorePlan plan, Map<String, String> recovery) {
        Map<String, String> s = new java.util.LinkedHashMap<>();
        s.put("restore_command", restoreCommand);
        s.putAll(recovery);
        s.put("port", Integer.toString(plan.port()));
        if (!plan.inPlace()) { // a side-by-side copy stays on loopback; the cluster itself keeps its own addresses
            s.put("listen_addresses", "127.0.0.1");
            s.put("unix_socket_directories", plan.stateDir().toString());
        }
        s.put("logging_collector", "off");
        if (plan.pgMajor() >= 14) {
            // FETCH_BACKUP synced each file system it wrote; one syncfs each at the start, not an fsync per file
            s.put("recovery_init_sync_method", "syncfs");
        }

        return new RecoveryConf("restore of backup " + plan.backupId() + " to " + plan.target().describe()
                + "; archive_mode stays off so this copy never archives into the production repository", s);
    }
}
