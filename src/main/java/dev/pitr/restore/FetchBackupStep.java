package dev.pitr.restore;

import dev.pitr.backup.BackupCatalog;
import dev.pitr.backup.BackupExtractor;
import dev.pitr.backup.BackupMetadata;
import dev.pitr.core.PitrException;
import dev.pitr.core.Trees;
import dev.pitr.pg.PgCtl;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** FETCH_BACKUP: download, verify (SHA-256, pg_verifybackup) and extract the base backup; the WAL download starts beside it. */
final class FetchBackupStep implements Step {
    private final Repository repo;
    private final PgCtl pg;
    private final RestoreSteps.ServerAccess access;
    private final Consumer<String> progress;
    private final WalDownload wal;

    FetchBackupStep(Repository repo, PgCtl pg, RestoreSteps.ServerAccess access, Consumer<String> progress, WalDownload wal) {
        this.repo = repo;
        this.pg = pg;
        this.access = access;
        this.progress = progress;
        this.wal = wal;
    }

    @Override
    public StepResult run(RestorePlan plan) {
        BackupMetadata backup = new BackupCatalog(repo).require(plan.backupId());
        wal.startEarly(plan);
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
            plan.tablespaces().values().forEach(FetchBackupStep::clearDirectory);
        }
        long total = extractAll(backup, plan, delta);
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
        syncFileSystems(plan);
        return StepResult.bytes(total);
    }

    /**
     * Extracts every stored object of the backup. The parts of a backup hold distinct files, so up to
     * {@code writers} of them are extracted side by side, largest first (one relation segment is one file,
     * written by one thread); a backup of one object gets all the writers for it.
     */
    private long extractAll(BackupMetadata backup, RestorePlan plan, Optional<BackupExtractor.Delta> delta) {
        List<BackupMetadata.BackupFile> files = backup.files().stream()
                .sorted(java.util.Comparator.comparingLong(BackupMetadata.BackupFile::rawBytes).reversed()).toList();
        int sideBySide = Math.min(access.writers(), files.size());
        int writersEach = Math.max(1, access.writers() / sideBySide);
        progress.accept("FETCH_BACKUP: " + files.size() + " object(s) of backup " + backup.id() + ", "
                + backup.storedBytes() / 1048576 + " MiB stored, " + backup.rawBytes() / 1048576 + " MiB to extract"
                + (sideBySide > 1 ? ", " + sideBySide + " at a time" : ""));
        long t0 = System.nanoTime();
        SharedProgress bar = new SharedProgress(access.bar(), backup.rawBytes());
        long total = dev.pitr.core.Parallel.map(files, sideBySide, file -> {
            Path destination = destinationOf(file, plan);
            try (InputStream in = repo.get(file.key()).orElseThrow(() -> new RepositoryException(
                    "backup object " + file.key() + " is missing from " + repo.url()))) {
                return BackupExtractor.extract(in, file, destination, bar.part(), delta, writersEach);
            } catch (IOException e) {
                throw PitrException.io("reading " + file.key() + ": " + e.getMessage(), e);
            }
        }).stream().mapToLong(Long::longValue).sum();
        access.bar().finish();
        progress.accept(String.format(Locale.ROOT, "FETCH_BACKUP: extracted, every object's SHA-256 checked (%.1f s)",
                (System.nanoTime() - t0) / 1e9));
        return total;
    }

    /** One bar for the objects extracted side by side: each part reports its own count, the bar shows the sum. */
    private static final class SharedProgress {
        private final dev.pitr.core.ProgressBar bar;
        private final long total;
        private final java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();

        SharedProgress(dev.pitr.core.ProgressBar bar, long total) {
            this.bar = bar;
            this.total = total;
        }

        dev.pitr.core.ProgressBar part() {
            return new dev.pitr.core.ProgressBar() {
                private long reported;

                @Override
                public void update(long partDone, long partTotal) {
                    long sum = done.addAndGet(partDone - reported);
                    reported = partDone;
                    synchronized (bar) {
                        bar.update(sum, total);
                    }
                }

                @Override
                public void finish() {
                    // the step finishes the bar once every part is extracted
                }
            };
        }
    }

    /**
     * The extracted files are written without an fsync each; before the journal says FETCH_BACKUP is done they
     * are made durable with one syncfs per file system (sync -f), as tar and pgBackRest batch it.
     */
    private static void syncFileSystems(RestorePlan plan) {
        List<Path> dirs = new java.util.ArrayList<>(List.of(plan.pgdata()));
        dirs.addAll(plan.tablespaces().values());
        for (Path dir : dirs) {
            ProcessRunner.Result r = ProcessRunner.run(List.of("sync", "-f", dir.toString()), java.util.Map.of(),
                    java.time.Duration.ofMinutes(30));
            if (!r.ok()) {
                throw PitrException.io("cannot sync the restored files in " + dir + " to disk: " + r.stderr().strip(), null);
            }
        }
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

    /**
     * pg_verifybackup checks the extracted files against PostgreSQL's own backup_manifest: every file there, none
     * missing or extra, each of its size (WAL comes later). Their content is already proven by the SHA-256 of
     * the whole stream, checked before this, so the manifest's per-file checksums are not read a second time.
     */
    private void verifyAgainstManifest(Path pgdata) {
        if (!Files.exists(pgdata.resolve("backup_manifest"))) {
            return;
        }
        long t0 = System.nanoTime();
        ProcessRunner.Result r = ProcessRunner.run(List.of(pg.binaries().tool("pg_verifybackup").toString(), "-n", "-q",
                "--skip-checksums",
                pgdata.toString()), Map.of(), Duration.ofMinutes(30));
        if (!r.ok()) {
            throw PitrException.verification("pg_verifybackup found the extracted backup in " + pgdata
                    + " does not match its manifest: " + (r.stderr() + r.stdout()).strip().replace('\n', ' '));
        }
        progress.accept(String.format(Locale.ROOT, "FETCH_BACKUP: pg_verifybackup: every file matches backup_manifest (%.1f s)",
                (System.nanoTime() - t0) / 1e9));
    }

    static void clearDirectory(Path dir) {
        try {
            Trees.empty(dir);
        } catch (IOException e) {
            throw PitrException.io("cannot clear " + dir + ": " + e.getMessage(), e);
        }
    }
}
