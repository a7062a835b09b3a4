package dev.pitr.restore;

import dev.pitr.core.AtomicFiles;
import dev.pitr.core.PitrException;
import dev.pitr.pg.ProcessRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** CONFIGURE: recovery.signal (standby.signal for the latest WAL) and pitr's recovery settings in the copy. */
final class ConfigureStep implements Step {
    private final RestoreSteps.ServerAccess access;

    ConfigureStep(RestoreSteps.ServerAccess access) {
        this.access = access;
    }

    @Override
    public StepResult run(RestorePlan plan) {
        ConfigureStep.conf(access.launcher(), plan, plan.recoverySettings()).writeTo(plan.pgdata());
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

    /** pitr's block for this copy: the launcher as restore_command, the recovery settings, a port of its own. */
    static RecoveryConf conf(Path launcher, RestorePlan plan, Map<String, String> recovery) {
        Map<String, String> s = new java.util.LinkedHashMap<>();
        s.put("restore_command", launcher + " wal fetch --spool " + plan.spool() + " %f %p");
        s.putAll(recovery);
        s.put("port", Integer.toString(plan.port()));
        if (!plan.inPlace()) { // a side-by-side copy stays on loopback; the cluster itself keeps its own addresses
            s.put("listen_addresses", "127.0.0.1");
            s.put("unix_socket_directories", plan.stateDir().toString());
        }
        s.put("logging_collector", "off");
        return new RecoveryConf("restore of backup " + plan.backupId() + " to " + plan.target().describe()
                + "; archive_mode stays off so this copy never archives into the production repository", s);
    }
}
