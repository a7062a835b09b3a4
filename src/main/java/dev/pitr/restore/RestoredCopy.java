package dev.pitr.restore;

import dev.pitr.core.PitrException;
import dev.pitr.core.Wait;
import dev.pitr.pg.PgConnection;
import dev.pitr.pg.PgCtl;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.source.BackupSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;

/** The copy of a real server: its state directory, the checks before a resume, promotion, stopping it. */
final class RestoredCopy implements CopyLifecycle {
    private final BackupSource source;
    private final PgCtl pg;
    private final RestoreSteps.ServerAccess access;

    RestoredCopy(BackupSource source, PgCtl pg, RestoreSteps.ServerAccess access) {
        this.source = source;
        this.pg = pg;
        this.access = access;
    }

    /**
     * Before a resume, what PREFLIGHT proved is checked again for the steps still to run: the data directory
     * may have been put back, started or replaced since the journal was written.
     */
    @Override
    public void checkResumable(RestorePlan plan, RestoreState next) {
        Path pgdata = plan.pgdata();
        boolean running = pg.isRunning(pgdata);
        if (next.compareTo(RestoreState.REPLAY) < 0) { // these steps write into the data directory
            if (running) {
                throw PitrException.refused("a server is running on " + pgdata + ": resuming at " + next + " would write"
                        + " under it; if it is production, leave it alone and restore into a new directory");
            }
            PreflightStep.requireBinaries(pg, plan);
            source.probe();
            return;
        }
        // REPLAY and VERIFY talk to a server: it must be this copy's, in recovery with pitr's settings
        if (!RecoveryConf.readFrom(pgdata).map(c -> Integer.toString(plan.port()).equals(c.settings().get("port")))
                .orElse(false)) {
            throw PitrException.refused(pgdata + " does not hold this restore's recovery settings (postgresql.auto.conf):"
                    + " it is not the restored copy (was another directory put in its place?); nothing was changed");
        }
        if (!running && CopyServer.portInUse(plan.port())) {
            throw PitrException.refused("port " + plan.port() + " is taken by another server: the restored copy cannot"
                    + " start there; stop that server or abort this restore");
        }
        if (running) {
            Optional<String> served;
            try {
                served = CopyServer.connection(plan).queryOne("SHOW data_directory");
            } catch (PitrException notAnswering) { // still starting: REPLAY follows it and reads its log
                served = Optional.empty();
            }
            if (served.isPresent() && !Path.of(served.get()).toAbsolutePath().normalize()
                    .equals(pgdata.toAbsolutePath().normalize())) {
                throw PitrException.refused("the server on port " + plan.port() + " serves " + served.get() + ", not the"
                        + " restored copy " + pgdata + "; nothing was changed");
            }
        }
    }

    /** The state directory beside PGDATA: journal, spool and server log; the server user writes its log there. */
    @Override
    public void prepareStateDir(RestorePlan plan) {
        try {
            Files.createDirectories(plan.spool());
            // like PGDATA: the journal, the spool and the server log are the restore's own (0700)
            Files.setPosixFilePermissions(plan.stateDir(), PosixFilePermissions.fromString("rwx------"));
            ProcessRunner.giveToServerUser(plan.stateDir());
        } catch (IOException e) {
            throw PitrException.io("cannot create " + plan.stateDir() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Before promoting an in-place restore: archive_mode back on (our block said off) and a restart, which
     * replays back to the same pause point; the promotion then archives the new timeline and its .history file.
     */
    @Override
    public void resumeArchiving(RestorePlan plan) {
        RecoveryConf conf = RecoveryConf.readFrom(plan.pgdata()).orElseThrow(() -> PitrException.refused(plan.pgdata()
                + "/postgresql.auto.conf holds no pitr restore block: it is not this restore's copy; nothing was changed"));
        conf.with("archive_mode", "on").writeTo(plan.pgdata());
        pg.stopInRecovery(plan.pgdata(), Duration.ofSeconds(30));
        pg.start(plan.pgdata(), plan.serverLog(), access.env(), Duration.ofMinutes(5));
        Wait.until(() -> plan.target() instanceof RecoveryTarget.Latest || CopyServer.status(CopyServer.connection(plan))
                .map(s -> "paused".equals(s.pauseState())).orElse(false), Duration.ofMinutes(10), Duration.ofMillis(200),
                () -> PitrException.io("after enabling archiving the server did not get back to the target; see "
                        + plan.serverLog(), null));
    }

    @Override
    public void promote(RestorePlan plan) {
        PgConnection conn = CopyServer.connection(plan);
        CopyServer.ReplayStatus s = CopyServer.status(conn).orElseThrow(() -> PitrException.io("the restored server on port "
                + plan.port() + " is not running: start it or resume the restore", null));
        if (!s.inRecovery()) { // recovery already ended at the target (see the READY note): it is writable
            return;
        }
        // paused at a target: resuming ends recovery (recovery_target_action = pause); a standby is promoted
        conn.queryOne("paused".equals(s.pauseState()) ? "SELECT pg_wal_replay_resume()::text" : "SELECT pg_promote()::text");
        CopyServer.awaitRecoveryEnd(conn, plan);
    }

    @Override
    public void stopServer(RestorePlan plan) {
        if (Files.exists(plan.pgdata()) && pg.isRunning(plan.pgdata())) {
            pg.stop(plan.pgdata(), "fast");
        }
    }
}
