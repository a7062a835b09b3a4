package dev.pitr.restore;

import dev.pitr.core.ProgressBar;
import dev.pitr.verify.Check;
import dev.pitr.verify.CheckResult;
import dev.pitr.verify.Verifier;
import dev.pitr.backup.BackupCatalog;
import dev.pitr.backup.BackupExtractor;
import dev.pitr.backup.BackupMetadata;
import dev.pitr.core.AtomicFiles;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.pg.PgConnection;
import dev.pitr.pg.PgCtl;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.repo.RepositoryLayout;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryException;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.WalPrefetcher;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalSegmentName;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** What each restore state does. Every step checks its own preconditions and is safe to run again. */
public final class RestoreSteps {
    private static final int PARALLEL = 4;

    /** How the restored server reaches pitr: the launcher for restore_command and its environment. */
    public record ServerAccess(Path launcher, Map<String, String> env, Duration replayTimeout,
                               ProgressBar bar) {
        public ServerAccess(Path launcher, Map<String, String> env, Duration replayTimeout) {
            this(launcher, env, replayTimeout, ProgressBar.NONE);
        }
    }

    private final Repository repo;
    private final PgCtl pg;
    private final ServerAccess access;
    private final Consumer<String> progress;
    private java.util.concurrent.CompletableFuture<Void> earlyPrefetch;

    public RestoreSteps(Repository repo, PgCtl pg, ServerAccess access, Consumer<String> progress) {
        this.repo = repo;
        this.pg = pg;
        this.access = access;
        this.progress = progress;
    }

    // ---- PREFLIGHT -------------------------------------------------------------------------------------------

    public long preflight(RestorePlan plan) {
        Path pgdata = plan.pgdata();
        if (plan.inPlace()) {
            return preflightInPlace(plan);
        }
        if (plan.reusesFiles() && Files.exists(pgdata) && !isEmptyDir(pgdata)) {
            preflightDelta(plan);
        } else if (Files.exists(pgdata.resolve("postmaster.pid"))) {
            throw PitrException.refused("a postmaster.pid exists in " + pgdata + ": a server may be running on it;"
                    + " pitr never restores over a live data directory");
        }
        if (!plan.reusesFiles() && Files.exists(pgdata) && !isEmptyDir(pgdata)) {
            throw PitrException.refused("target data directory " + pgdata + " is not empty: restore into a new"
                    + " directory, or pass --delta if it holds an older copy of this cluster (nothing was changed)");
        }
        if (portInUse(plan.port())) {
            throw PitrException.refused("port " + plan.port() + " is in use on 127.0.0.1: choose another --port"
                    + " (a restore never shares a port with a running server)");
        }
        if (pg.binaries().major() != plan.pgMajor()) {
            throw PitrException.usage("backup " + plan.backupId() + " is PostgreSQL " + plan.pgMajor()
                    + " but the binaries in " + pg.binaries().binDir() + " are " + pg.binaries().major()
                    + ": set pg-bin to PostgreSQL " + plan.pgMajor());
        }
        if (plan.diskFree() > 0 && plan.diskFree() < plan.diskNeeded()) {
            throw new PitrException(ExitCode.IO_FAILURE, "not enough disk for " + pgdata + ": need about "
                    + plan.diskNeeded() / 1048576 + " MiB, " + plan.diskFree() / 1048576 + " MiB free");
        }
        checkTablespaceTargets(plan);
        if (repo.head(RepositoryLayout.IDENTITY).isEmpty()) {
            throw new RepositoryException("repository " + repo.url() + " has no identity object: wrong repository?");
        }
        return 0;
    }

    /**
     * Before a resume, what PREFLIGHT proved is checked again for the steps still to run: the data directory
     * may have been put back, started or replaced since the journal was written.
     */
    public void checkResumable(RestorePlan plan, RestoreState next) {
        Path pgdata = plan.pgdata();
        boolean running = pg.isRunning(pgdata);
        if (next.compareTo(RestoreState.REPLAY) < 0) { // these steps write into the data directory
            if (running) {
                throw PitrException.refused("a server is running on " + pgdata + ": resuming at " + next + " would write"
                        + " under it; if it is production, leave it alone and restore into a new directory");
            }
            if (pg.binaries().major() != plan.pgMajor()) {
                throw PitrException.usage("backup " + plan.backupId() + " is PostgreSQL " + plan.pgMajor()
                        + " but the binaries in " + pg.binaries().binDir() + " are " + pg.binaries().major());
            }
            if (repo.head(RepositoryLayout.IDENTITY).isEmpty()) {
                throw new RepositoryException("repository " + repo.url() + " has no identity object: wrong repository?");
            }
            return;
        }
        // REPLAY and VERIFY talk to a server: it must be this copy's, in recovery with pitr's settings
        if (!RecoveryConf.readFrom(pgdata).map(c -> Integer.toString(plan.port()).equals(c.settings().get("port")))
                .orElse(false)) {
            throw PitrException.refused(pgdata + " does not hold this restore's recovery settings (postgresql.auto.conf):"
                    + " it is not the restored copy (was another directory put in its place?); nothing was changed");
        }
        if (!running && portInUse(plan.port())) {
            throw PitrException.refused("port " + plan.port() + " is taken by another server: the restored copy cannot"
                    + " start there; stop that server or abort this restore");
        }
        if (running) {
            Optional<String> served;
            try {
                served = connection(plan).queryOne("SHOW data_directory");
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

    /** Each tablespace goes into a new, empty directory (with --delta: an older copy of it may be there). */
    private static void checkTablespaceTargets(RestorePlan plan) {
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
            if (!plan.reusesFiles() && Files.exists(dir) && !isEmptyDir(dir)) {
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
        List<String> unarchived = UnarchivedWal.in(pgdata, plan.systemIdentifier(), repo);
        if (!unarchived.isEmpty()) {
            throw PitrException.refused("--delta: " + pgdata + "/pg_wal holds WAL that is not in the repository ("
                    + String.join(", ", unarchived.subList(0, Math.min(3, unarchived.size())))
                    + (unarchived.size() > 3 ? ", ..." : "") + "): replacing it would lose committed data; let the"
                    + " cluster archive it (or 'pitr wal push' each file), or restore into a new directory; nothing was"
                    + " changed");
        }
    }

    /** In place: the cluster must be stopped; its data directory will be moved aside (a rename: no copy, no space). */
    private long preflightInPlace(RestorePlan plan) {
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
        if (portInUse(plan.port())) {
            throw PitrException.refused("port " + plan.port() + " is in use on 127.0.0.1: something else still listens there");
        }
        checkTablespaceTargets(plan);
        if (pg.binaries().major() != plan.pgMajor()) {
            throw PitrException.usage("backup " + plan.backupId() + " is PostgreSQL " + plan.pgMajor()
                    + " but the binaries are " + pg.binaries().major());
        }
        return 0;
    }

    /** The state directory beside PGDATA: journal, spool and server log; the server user writes its log there. */
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

    private static boolean isEmptyDir(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean portInUse(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- FETCH_BACKUP ----------------------------------------------------------------------------------------

    public long fetchBackup(RestorePlan plan) {
        BackupMetadata backup = new BackupCatalog(repo).require(plan.backupId());
        startEarlyPrefetch(plan);
        Path pgdata = plan.pgdata();
        if (plan.inPlace() && !Files.exists(plan.movedAside().orElseThrow())) {
            try { // the old cluster is kept whole beside the restored one: a rename, never a delete
                Files.move(pgdata, plan.movedAside().get(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                progress.accept("FETCH_BACKUP: moved the old data directory aside to " + plan.movedAside().get());
            } catch (IOException e) {
                throw PitrException.io("cannot move " + pgdata + " aside: " + e.getMessage(), e);
            }
        }
        Optional<BackupExtractor.Delta> delta = plan.reusesFiles() ? Optional.of(new BackupExtractor.Delta()) : Optional.empty();
        if (delta.isEmpty()) { // a re-run after a crash starts from empty directories: PREFLIGHT proved them ours
            clearDirectory(pgdata);
            plan.tablespaces().values().forEach(RestoreSteps::clearDirectory);
        }
        long total = 0;
        for (BackupMetadata.BackupFile file : backup.files()) {
            try (InputStream in = repo.get(file.key()).orElseThrow(() -> new RepositoryException(
                    "backup object " + file.key() + " is missing from " + repo.url()))) {
                progress.accept("FETCH_BACKUP: " + file.key() + " (" + file.storedBytes() / 1048576 + " MiB stored, "
                        + file.rawBytes() / 1048576 + " MiB to extract)");
                long t0 = System.nanoTime();
                total += BackupExtractor.extract(in, file, destinationOf(file, plan), access.bar(), delta);
                progress.accept(String.format("FETCH_BACKUP: %s extracted and its SHA-256 checked (%.1f s)", file.name(),
                        (System.nanoTime() - t0) / 1e9));
            } catch (IOException e) {
                throw PitrException.io("reading " + file.key() + ": " + e.getMessage(), e);
            }
        }
        delta.ifPresent(d -> {
            long removed = d.removeUnlisted(pgdata)
                    + plan.tablespaces().values().stream().mapToLong(d::removeUnlisted).sum();
            progress.accept("FETCH_BACKUP: delta: " + d.reusedBytes() / 1048576 + " MiB already matched and were kept, "
                    + removed + " files the backup does not have were removed");
        });
        linkTablespaces(plan);
        verifyAgainstManifest(pgdata);
        try {
            Files.createDirectories(pgdata.resolve("pg_wal/archive_status"));
            for (String stale : List.of("postmaster.pid", "postmaster.opts", "standby.signal", "recovery.signal")) {
                Files.deleteIfExists(pgdata.resolve(stale));
            }
            Files.setPosixFilePermissions(pgdata, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw PitrException.io("cannot prepare " + pgdata + ": " + e.getMessage(), e);
        }
        ProcessRunner.giveToServerUser(pgdata);
        plan.tablespaces().values().forEach(ProcessRunner::giveToServerUser);
        return total;
    }

    /** base.tar into PGDATA; OID.tar into the directory that tablespace is mapped to. */
    private static Path destinationOf(BackupMetadata.BackupFile file, RestorePlan plan) {
        if (file.name().equals("base.tar")) {
            return plan.pgdata();
        }
        String oid = file.name().replaceFirst("\\.tar$", "");
        Path dir = plan.tablespaces().get(oid);
        if (dir == null) {
            throw PitrException.usage("backup " + plan.backupId() + " holds tablespace " + oid + " but the plan maps no"
                    + " directory for it: start over with --tablespace-map");
        }
        return dir;
    }

    /**
     * pg_basebackup's tar format records tablespaces in a tablespace_map file; the links are made here, pointing
     * at the mapped directories, so pg_verifybackup sees the files and PostgreSQL never sees the old paths.
     */
    private static void linkTablespaces(RestorePlan plan) {
        if (plan.tablespaces().isEmpty()) {
            return;
        }
        try {
            Path links = Files.createDirectories(plan.pgdata().resolve("pg_tblspc"));
            for (Map.Entry<String, Path> t : plan.tablespaces().entrySet()) {
                Path link = links.resolve(t.getKey());
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, t.getValue());
            }
            Files.deleteIfExists(plan.pgdata().resolve("tablespace_map"));
        } catch (IOException e) {
            throw PitrException.io("cannot link the tablespaces in " + plan.pgdata() + "/pg_tblspc: " + e.getMessage(), e);
        }
    }

    /** pg_verifybackup checks every extracted file against PostgreSQL's own backup_manifest (WAL comes later). */
    private void verifyAgainstManifest(Path pgdata) {
        if (!Files.exists(pgdata.resolve("backup_manifest"))) {
            return;
        }
        long t0 = System.nanoTime();
        ProcessRunner.Result r = ProcessRunner.run(List.of(pg.binaries().tool("pg_verifybackup").toString(), "-n", "-q",
                pgdata.toString()), Map.of(), Duration.ofMinutes(30));
        if (!r.ok()) {
            throw PitrException.verification("pg_verifybackup found the extracted backup in " + pgdata
                    + " does not match its manifest: " + (r.stderr() + r.stdout()).strip().replace('\n', ' '));
        }
        progress.accept(String.format("FETCH_BACKUP: pg_verifybackup: every file matches backup_manifest (%.1f s)",
                (System.nanoTime() - t0) / 1e9));
    }

    private static void clearDirectory(Path dir) {
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> {
                        try {
                            Files.delete(p);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                }
            }
            Files.createDirectories(dir);
        } catch (IOException | UncheckedIOException e) {
            throw PitrException.io("cannot clear " + dir + ": " + e.getMessage(), e);
        }
    }

    // ---- PREFETCH_WAL ----------------------------------------------------------------------------------------

    /**
     * The WAL download does not depend on the backup: it starts with FETCH_BACKUP and runs beside the extraction.
     * PREFETCH_WAL still owns the result (it waits for this and fetches whatever is missing), so a crash or a
     * failure here costs nothing but the overlap: spool files appear only complete and verified.
     */
    private void startEarlyPrefetch(RestorePlan plan) {
        if (earlyPrefetch == null && !plan.walFiles().isEmpty()) {
            earlyPrefetch = java.util.concurrent.CompletableFuture.runAsync(() ->
                    new WalPrefetcher(repo).fetchAll(plan.walFiles(), plan.spool(), 2, n -> { }));
        }
    }

    public long prefetchWal(RestorePlan plan) {
        if (earlyPrefetch != null) {
            try {
                earlyPrefetch.join();
            } catch (java.util.concurrent.CompletionException e) {
                progress.accept("PREFETCH_WAL: the early download stopped (" + e.getCause().getMessage() + "); retrying");
            }
        }
        int total = plan.walFiles().size();
        new WalPrefetcher(repo).fetchAll(plan.walFiles(), plan.spool(), PARALLEL, n -> {
            if (n % 16 == 0 || n == total) {
                progress.accept("PREFETCH_WAL: " + n + "/" + total + " files in the spool");
            }
        });
        return plan.walFiles().stream().mapToLong(name -> plan.spool().resolve(name).toFile().length()).sum();
    }

    // ---- CONFIGURE -------------------------------------------------------------------------------------------

    public long configure(RestorePlan plan) {
        conf(plan, plan.recoverySettings()).writeTo(plan.pgdata());
        try {
            boolean standby = plan.target() instanceof RecoveryTarget.Latest;
            Files.deleteIfExists(plan.pgdata().resolve(standby ? "recovery.signal" : "standby.signal"));
            AtomicFiles.write(plan.pgdata().resolve(standby ? "standby.signal" : "recovery.signal"), new byte[0]);
            Files.deleteIfExists(plan.recoveryEndedNote()); // a re-run replays to the planned target again
        } catch (IOException e) {
            throw PitrException.io("cannot write the recovery settings into " + plan.pgdata() + ": " + e.getMessage(), e);
        }
        ProcessRunner.giveToServerUser(plan.pgdata());
        return 0;
    }

    /** pitr's block for this copy: the launcher as restore_command, the recovery settings, a port of its own. */
    private RecoveryConf conf(RestorePlan plan, Map<String, String> recovery) {
        Map<String, String> s = new java.util.LinkedHashMap<>();
        s.put("restore_command", access.launcher() + " wal fetch --spool " + plan.spool() + " %f %p");
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

    // ---- REPLAY ----------------------------------------------------------------------------------------------

    public long replay(RestorePlan plan) {
        if (!pg.isRunning(plan.pgdata())) { // after a crash of pitr the server may still be replaying: follow it
            pg.startNoWait(plan.pgdata(), plan.serverLog(), access.env());
        }
        PgConnection conn = connection(plan);
        Lsn goal = lastPlannedLsn(plan);
        long deadline = System.nanoTime() + access.replayTimeout().toNanos();
        long lastReport = 0;
        String lastLsn = "";
        int stableRounds = 0;
        int stalledRounds = 0;
        while (true) {
            sleep(100);
            Optional<ReplayStatus> status = status(conn);
            // a server that answers is alive; only when it does not, ask pg_ctl whether it died
            if (status.isEmpty() && !pg.isRunning(plan.pgdata())) {
                if (plan.target() instanceof RecoveryTarget.Time t && !Files.exists(plan.recoveryEndedNote())
                        && ServerLogDiagnosis.endedBeforeTarget(plan.serverLog())) {
                    endAtEndOfArchive(plan, t);
                    continue;
                }
                throw ServerLogDiagnosis.replayFailed(plan.serverLog());
            }
            if (status.isPresent()) {
                ReplayStatus s = status.get();
                if (System.nanoTime() - lastReport > 2_000_000_000L) {
                    lastReport = System.nanoTime();
                    progress.accept("REPLAY: at " + s.replayLsn() + " of ~" + goal + " ("
                            + Optional.ofNullable(s.lastXact()).map(Instant::toString).orElse("no commit yet") + ")");
                }
                if ("paused".equals(s.pauseState())) {
                    endRecoveryIfLocked(plan, conn);
                    return 0;
                }
                if (!s.inRecovery()) {
                    return 0;
                }
                boolean moved = !s.replayLsn().equals(lastLsn);
                stalledRounds = moved ? 0 : stalledRounds + 1;
                if (plan.target() instanceof RecoveryTarget.Latest) {
                    stableRounds = !moved && Lsn.parse(s.replayLsn()).compareTo(goal) >= 0 ? stableRounds + 1 : 0;
                    if (stableRounds >= 30) { // everything archived is replayed (3 s unchanged); the standby waits for more
                        lastLsn = s.replayLsn();
                        return 0;
                    }
                }
                lastLsn = s.replayLsn();
                if (stalledRounds >= 300 && plan.target() instanceof RecoveryTarget.Latest
                        && Lsn.parse(s.replayLsn()).compareTo(goal) < 0) { // 30 s waiting short of the planned WAL
                    throw new PitrException(ExitCode.IO_FAILURE, "replay waits at " + s.replayLsn() + " for WAL the"
                            + " archive does not hand it (planned up to " + goal + "): " + ServerLogDiagnosis.stuck(
                            plan.serverLog()).orElse("see the server log " + plan.serverLog())
                            + "; run 'pitr wal verify --deep'");
                }
                if (stalledRounds >= 100) { // 10 s without progress: a server that retries a bad segment forever
                    Optional<String> why = ServerLogDiagnosis.stuck(plan.serverLog());
                    if (why.isPresent()) {
                        throw new PitrException(ExitCode.IO_FAILURE, "replay is stuck at " + s.replayLsn() + ": "
                                + why.get() + " (server log " + plan.serverLog() + "); run 'pitr wal verify --deep'");
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new PitrException(ExitCode.IO_FAILURE, "replay did not reach the target within "
                        + access.replayTimeout().toMinutes() + " min; the server is still running ('pitr restore"
                        + " resume' keeps following it, server log: " + plan.serverLog() + ")");
            }
        }
    }

    /**
     * Idle tail: PostgreSQL found no commit at or after the time target in the whole archive, so every archived
     * commit precedes it. The plan already refused a target after the last segment was archived, so the archive
     * holds WAL written up to the target: replaying all of it is the state at the target. The copy replays to
     * the end of the archive and ends recovery there, and says so.
     */
    private void endAtEndOfArchive(RestorePlan plan, RecoveryTarget.Time t) {
        String last = ServerLogDiagnosis.lastReplayedCommit(plan.serverLog()).orElse("none in the WAL replayed");
        note(plan, "every archived commit precedes the target " + RecoveryTarget.PG_TIME.format(t.at()) + " (last: "
                + last + "), so the copy replayed the whole archive and ended recovery there; a commit the primary made"
                + " after that and before the target would be in WAL not archived yet (SELECT pg_switch_wal() on the"
                + " primary, then restore again)");
        Map<String, String> untargeted = new java.util.LinkedHashMap<>(plan.recoverySettings());
        untargeted.keySet().removeIf(k -> k.startsWith("recovery_target") && !k.equals("recovery_target_timeline"));
        conf(plan, untargeted).writeTo(plan.pgdata());
        progress.accept("REPLAY: " + readNote(plan).orElse(""));
        pg.startNoWait(plan.pgdata(), plan.serverLog(), access.env());
    }

    /**
     * A copy paused at its target may hold AccessExclusiveLocks replayed for a transaction still open there (the
     * DROP or TRUNCATE being undone, stopped before its commit): the table cannot be read while they are held.
     * Ending recovery aborts that transaction and releases them, and changes no committed data; a side-by-side
     * copy never archives, so it is safe. The cluster itself (in place) stays paused until 'restore promote'.
     */
    private void endRecoveryIfLocked(RestorePlan plan, PgConnection conn) {
        if (plan.inPlace() || plan.target() instanceof RecoveryTarget.Latest) {
            return;
        }
        List<String> locked = exclusivelyLocked(conn);
        if (locked.isEmpty()) {
            return;
        }
        note(plan, "the paused copy held an AccessExclusiveLock on " + String.join(", ", locked) + " for a transaction"
                + " still open at the target" + plan.suspect().map(x -> " (transaction " + x.xid() + ")").orElse("")
                + ", which blocks reading it; recovery was ended on this copy, which aborts that transaction and"
                + " releases the lock (the copy is on a timeline of its own and never archives)");
        progress.accept("REPLAY: " + readNote(plan).orElse(""));
        conn.queryOne("SELECT pg_wal_replay_resume()::text");
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (status(conn).map(ReplayStatus::inRecovery).orElse(true)) {
            if (System.nanoTime() > deadline) {
                throw PitrException.io("the copy did not end recovery within 5 minutes; see " + plan.serverLog(), null);
            }
            sleep(200);
        }
    }

    /** Relations an AccessExclusiveLock is held on (on a standby: by the startup process), by name where known. */
    private static List<String> exclusivelyLocked(PgConnection conn) {
        List<String> out = new ArrayList<>();
        try (Connection c = conn.open(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT d.datname, l.relation FROM pg_locks l LEFT JOIN pg_database d"
                     + " ON d.oid = l.database WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'"
                     + " AND l.granted ORDER BY 1, 2")) {
            while (rs.next()) {
                String db = rs.getString(1);
                long rel = rs.getLong(2);
                out.add(db == null ? "relation " + rel : db + "." + relationName(conn.withDatabase(db), rel));
            }
        } catch (SQLException e) {
            throw PitrException.io("cannot read pg_locks on the restored copy: " + e.getMessage(), e);
        }
        return out;
    }

    private static String relationName(PgConnection db, long oid) {
        try {
            return db.queryOne("SELECT " + oid + "::oid::regclass::text", Duration.ofSeconds(2)).orElse("relation " + oid);
        } catch (PitrException e) {
            return "relation " + oid;
        }
    }

    private static void note(RestorePlan plan, String text) {
        try {
            AtomicFiles.write(plan.recoveryEndedNote(), (text + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw PitrException.io("cannot write " + plan.recoveryEndedNote() + ": " + e.getMessage(), e);
        }
    }

    /** Why recovery was ended on the copy, when it was. */
    public static Optional<String> readNote(RestorePlan plan) {
        try {
            return Files.exists(plan.recoveryEndedNote())
                    ? Optional.of(Files.readString(plan.recoveryEndedNote()).strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Just past the start of the last planned segment of the timeline being restored: replay must have read into
     * it, not only reached it (a segment the server refused leaves replay waiting at its very start). With
     * {@code --timeline N} segments of later timelines are in the plan too, and replay never reads them.
     */
    static Lsn lastPlannedLsn(RestorePlan plan) {
        int upTo = switch (plan.timeline()) {
            case "latest" -> Integer.MAX_VALUE;
            case "current" -> plan.backupTimeline();
            default -> Integer.parseInt(plan.timeline());
        };
        return plan.walFiles().stream().map(WalFileName::parse).flatMap(Optional::stream)
                .filter(f -> f instanceof WalFileName.Segment).map(f -> ((WalFileName.Segment) f).segment())
                .filter(s -> s.timeline() <= upTo)
                .max(Comparator.comparingLong((WalSegmentName s) -> s.segmentNumber(plan.walSegmentSize())))
                .map(s -> new Lsn(s.startLsn(plan.walSegmentSize()).value() + 1))
                .orElse(new Lsn(0));
    }

    record ReplayStatus(boolean inRecovery, String pauseState, String replayLsn, Instant lastXact) {
    }

    private static Optional<ReplayStatus> status(PgConnection conn) {
        try (Connection c = conn.open(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN "
                     + "pg_get_wal_replay_pause_state() ELSE 'promoted' END, "
                     + "coalesce(pg_last_wal_replay_lsn(), pg_current_wal_lsn())::text, pg_last_xact_replay_timestamp()")) {
            rs.next();
            Timestamp ts = rs.getTimestamp(4);
            return Optional.of(new ReplayStatus(rs.getBoolean(1), rs.getString(2), rs.getString(3),
                    ts == null ? null : ts.toInstant()));
        } catch (PitrException | SQLException e) {
            return Optional.empty(); // not accepting connections yet (not consistent), or gone
        }
    }

    private static PgConnection connection(RestorePlan plan) {
        return new PgConnection("127.0.0.1", plan.port(), "postgres", "postgres");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PitrException.io("interrupted", e);
        }
    }

    // ---- VERIFY ----------------------------------------------------------------------------------------------

    public RestoreJournal.RecoveredPoint verify(RestorePlan plan) {
        ReplayStatus s = status(connection(plan)).orElseThrow(() -> PitrException.verification(
                "the restored server on port " + plan.port() + " does not accept connections"));
        List<String> problems = new ArrayList<>();
        boolean latest = plan.target() instanceof RecoveryTarget.Latest;
        Optional<String> ended = readNote(plan);
        if (ended.isPresent() && s.inRecovery()) {
            problems.add("recovery was to end on the copy (" + ended.get() + ") but the server is still in recovery");
        } else if (ended.isEmpty() && !latest && !"paused".equals(s.pauseState())) {
            problems.add("server is not paused at the target (state: " + s.pauseState() + ")");
        }
        if (plan.target() instanceof RecoveryTarget.Time t && s.lastXact() != null) {
            boolean ok = plan.inclusive() ? !s.lastXact().isAfter(t.at()) : s.lastXact().isBefore(t.at());
            if (!ok) {
                problems.add("last replayed commit " + s.lastXact() + " is past the target " + t.at());
            }
        }
        List<CheckResult> checked = new Verifier(connection(plan)
                .withDatabase(plan.subject().database()))
                .run(plan.checks().stream().map(Check::queryIsTrue).toList());
        List<String> results = checked.stream().map(CheckResult::line).toList();
        // the copy's own problems first: a message that starts with a failed check means only checks failed
        checked.stream().filter(r -> !r.passed()).forEach(r -> problems.add("check failed: " + r.line()));
        results.forEach(r -> progress.accept("VERIFY: " + r));
        if (!problems.isEmpty()) {
            throw PitrException.verification(String.join("; ", problems));
        }
        return new RestoreJournal.RecoveredPoint(s.replayLsn(), s.lastXact(), ended.map(e -> "recovery ended: " + e)
                .orElse(s.pauseState()), results);
    }

    // ---- PROMOTE / ABORT -------------------------------------------------------------------------------------

    /**
     * Before promoting an in-place restore: archive_mode back on (our block said off) and a restart, which
     * replays back to the same pause point; the promotion then archives the new timeline and its .history file.
     */
    public void resumeArchiving(RestorePlan plan) {
        RecoveryConf conf = RecoveryConf.readFrom(plan.pgdata()).orElseThrow(() -> PitrException.refused(plan.pgdata()
                + "/postgresql.auto.conf holds no pitr restore block: it is not this restore's copy; nothing was changed"));
        conf.with("archive_mode", "on").writeTo(plan.pgdata());
        pg.stop(plan.pgdata(), "fast");
        pg.start(plan.pgdata(), plan.serverLog(), access.env(), Duration.ofMinutes(5));
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (!(plan.target() instanceof RecoveryTarget.Latest)
                && !status(connection(plan)).map(s -> "paused".equals(s.pauseState())).orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw PitrException.io("after enabling archiving the server did not get back to the target; see "
                        + plan.serverLog(), null);
            }
            sleep(200);
        }
    }

    public void promote(RestorePlan plan) {
        PgConnection conn = connection(plan);
        ReplayStatus s = status(conn).orElseThrow(() -> PitrException.io("the restored server on port "
                + plan.port() + " is not running: start it or resume the restore", null));
        if (!s.inRecovery()) { // recovery already ended at the target (see the READY note): it is writable
            return;
        }
        // paused at a target: resuming ends recovery (recovery_target_action = pause); a standby is promoted
        conn.queryOne("paused".equals(s.pauseState()) ? "SELECT pg_wal_replay_resume()::text" : "SELECT pg_promote()::text");
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (status(conn).map(ReplayStatus::inRecovery).orElse(true)) {
            if (System.nanoTime() > deadline) {
                throw PitrException.io("the server did not leave recovery within 5 minutes; see " + plan.serverLog(), null);
            }
            sleep(200);
        }
    }

    public void stopServer(RestorePlan plan) {
        if (Files.exists(plan.pgdata()) && pg.isRunning(plan.pgdata())) {
            pg.stop(plan.pgdata(), "fast");
        }
    }
}
