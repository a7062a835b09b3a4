package dev.pitr.restore;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.pg.PgCtl;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.source.BackupSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** PREFLIGHT: the target directory, port, binaries, disk, tablespaces and repository, before anything is written. */
final class PreflightStep implements Step {
    private final BackupSource source;
    private final PgCtl pg;

    PreflightStep(BackupSource source, PgCtl pg) {
        this.source = source;
        this.pg = pg;
    }

    /** The directory checks of the restore's kind, then what every restore needs, with one message each. */
    @Override
    public StepResult run(RestorePlan plan) {
        Path pgdata = plan.pgdata();
        if (plan.inPlace()) {
            preflightInPlace(plan);
        } else if (plan.reusesFiles() && Files.exists(pgdata) && !CopyServer.isEmptyDir(pgdata)) {
            preflightDelta(plan);
        } else if (Files.exists(pgdata.resolve("postmaster.pid"))) {
            throw PitrException.refused("a postmaster.pid exists in " + pgdata + ": a server may be running on it;"
                    + " pitr never restores over a live data directory");
        } else if (Files.exists(pgdata) && !CopyServer.isEmptyDir(pgdata)) {
            throw PitrException.refused("target data directory " + pgdata + " is not empty: restore into a new"
                    + " directory, or pass --delta if it holds an older copy of this cluster (nothing was changed)");
        }
        if (CopyServer.portInUse(plan.port())) {
            throw PitrException.refused("port " + plan.port() + " is in use on 127.0.0.1: " + (plan.inPlace()
                    ? "something else still listens on the cluster's port" : "choose another --port (a restore never"
                    + " shares a port with a running server)"));
        }
        requireBinaries(pg, plan);
        if (plan.diskFree() > 0 && plan.diskFree() < plan.diskNeeded()) { // in place too: the old one stays beside it
            throw new PitrException(ExitCode.IO_FAILURE, "not enough disk for " + pgdata + ": need about "
                    + plan.diskNeeded() / 1048576 + " MiB, " + plan.diskFree() / 1048576 + " MiB free");
        }
        checkTablespaceTargets(plan);
        source.probe();
        return StepResult.NONE;
    }

    /** The binaries are the backup's major version (checked again before a resume writes anything). */
    static void requireBinaries(PgCtl pg, RestorePlan plan) {
        if (pg.binaries().major() != plan.pgMajor()) {
            throw PitrException.usage("backup " + plan.backupId() + " is PostgreSQL " + plan.pgMajor()
                    + " but the binaries in " + pg.binaries().binDir() + " are " + pg.binaries().major()
                    + ": set pg-bin to PostgreSQL " + plan.pgMajor());
        }
    }

    /** Each tablespace goes into a new, empty directory (with --delta: an older copy of it may be there). */
    static void checkTablespaceTargets(RestorePlan plan) {
        java.util.Map<Path, String> taken = new java.util.HashMap<>();
        plan.tablespaces().forEach((oid, dir) -> {
            if (dir.startsWith(plan.pgdata()) || plan.pgdata().startsWith(dir)) {
                throw PitrException.usage("--tablespace-map: " + dir + " overlaps the data directory " + plan.pgdata());
            }
            if (dir.startsWith(plan.stateDir()) || plan.stateDir().startsWith(dir)) {
                throw PitrException.usage("--tablespace-map: " + dir + " overlaps the restore's state directory "
                        + plan.stateDir());
            }
            taken.forEach((other, otherOid) -> {
                if (dir.startsWith(other) || other.startsWith(dir)) {
                    throw PitrException.usage("--tablespace-map: tablespaces " + otherOid + " and " + oid + " would share "
                            + dir + ": map each to a directory of its own");
                }
            });
            taken.put(dir, oid);
            if (!plan.reusesFiles() && Files.exists(dir) && !CopyServer.isEmptyDir(dir)) {
                throw PitrException.refused("tablespace " + oid + " would go to " + dir + ", which is not empty:"
                        + " map it to a new directory (nothing was changed)");
            }
        });
    }

    /** Delta: the directory must be a stopped copy of the same cluster, or a mistyped path would be overwritten. */
    private void preflightDelta(RestorePlan plan) {
        Path pgdata = plan.pgdata();
        if (!Files.exists(pgdata.resolve("PG_VERSION")) || !Files.exists(pgdata.resolve("global/pg_control"))) {
            throw PitrException.refused("--delta: " + pgdata + " is not a PostgreSQL data directory; nothing was changed");
        }
        if (pg.isRunning(pgdata)) {
            throw PitrException.refused("--delta: a server is running on " + pgdata + ": stop it first (pg_ctl -D "
                    + pgdata + " stop)");
        }
        ProcessRunner.Result control = ProcessRunner.run(List.of(pg.binaries().tool("pg_controldata").toString(),
                pgdata.toString()), Map.of("LC_ALL", "C"), Duration.ofMinutes(1));
        String sysid = control.stdout().lines().filter(l -> l.startsWith("Database system identifier:"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
        if (!sysid.equals(plan.systemIdentifier())) {
            throw PitrException.refused("--delta: " + pgdata + " belongs to the cluster with system identifier " + sysid
                    + ", the backup to " + plan.systemIdentifier() + ": choose the right directory; nothing was changed");
        }
        List<String> unarchived = UnarchivedWal.in(pgdata, plan.systemIdentifier(), source.wal());
        if (!unarchived.isEmpty()) {
            throw PitrException.refused("--delta: " + pgdata + "/pg_wal holds WAL that is not in the repository ("
                    + String.join(", ", unarchived.subList(0, Math.min(3, unarchived.size())))
                    + (unarchived.size() > 3 ? ", ..." : "") + "): replacing it would lose committed data; let the"
                    + " cluster archive it (or 'pitr wal push' each file), or restore into a new directory; nothing was"
                    + " changed");
        }
    }

    /** In place: the cluster must be stopped; its data directory will be moved aside (a rename: no copy, no space). */
    private void preflightInPlace(RestorePlan plan) {
        Path pgdata = plan.pgdata();
        if (!Files.isDirectory(pgdata)) {
            throw PitrException.usage("--in-place: " + pgdata + " is not a data directory; for a new directory drop --in-place");
        }
        if (pg.isRunning(pgdata)) {
            throw PitrException.refused("--in-place: the server on " + pgdata + " is running: stop it first"
                    + " (pg_ctl -D " + pgdata + " stop); pitr never restores under a running postmaster");
        }
        if (Files.exists(plan.movedAside().orElseThrow())) {
            throw PitrException.refused("--in-place: " + plan.movedAside().get() + " already exists; nothing was moved");
        }
    }
}
