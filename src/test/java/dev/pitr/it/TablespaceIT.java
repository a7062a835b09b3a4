package dev.pitr.it;

import dev.pitr.testkit.Cli;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A cluster with a tablespace: backed up tar by tar, restored only into a mapped directory. */
class TablespaceIT {
    @Test
    void aTablespaceIsBackedUpAndRestoredIntoTheDirectoryItIsMappedTo() throws Exception {
        Path work = TestDirs.shared("pitr-ts-");
        Path location = TestDirs.serverOwned("pitr-ts-location-");
        Path repoDir = Files.createDirectories(work.resolve("repo"));
        repoDir.toFile().setWritable(true, false);
        String archive = "'" + ArchiveIT.LAUNCHER + " --repo file://" + repoDir + " wal push %p'";
        Path restored = work.resolve("restored/data");
        Path fromClient = work.resolve("from-client/data");
        Cli cli = null;
        try (PgCluster pg = PgCluster.start(Map.of("wal_level", "replica", "archive_mode", "on", "archive_command", archive),
                Map.of())) {
            cli = new Cli(Map.of("PITR_REPO", "file://" + repoDir, "PITR_PGPORT", String.valueOf(pg.port())), work);
            pg.execute("CREATE TABLESPACE ts1 LOCATION '" + location + "'",
                    "CREATE TABLE items TABLESPACE ts1 AS SELECT g FROM generate_series(1, 5000) g");
            String oid = pg.query("SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'");
            // pitr compresses the tars pg_basebackup staged, in parts
            Cli.Run byPitr = cli.run("--json", "backup", "create", "--compress-at", "client", "--part-size", "1");
            assertThat(byPitr.exitCode()).as(byPitr.stderr()).isZero();
            assertThat(byPitr.stderr()).contains("1 tablespace(s)");
            Path clientDir = repoDir.resolve("backups").resolve(id(byPitr));
            assertThat(clientDir).isDirectoryContaining("glob:**/" + oid + ".tar.zst")
                    .isDirectoryContaining("glob:**/base.tar.2.zst").isDirectoryContaining("glob:**/tablespace_map");
            Thread.sleep(1100); // backup ids are to the second
            // the server compresses (the default on PostgreSQL 15): one archive per tablespace, as written
            Cli.Run byServer = cli.run("--json", "backup", "create");
            assertThat(byServer.exitCode()).as(byServer.stderr()).isZero();
            assertThat(byServer.stderr()).contains("the server compresses");
            Path serverDir = repoDir.resolve("backups").resolve(id(byServer));
            assertThat(serverDir).isDirectoryContaining("glob:**/" + oid + ".tar.zst")
                    .isDirectoryContaining("glob:**/base.tar.zst").isDirectoryContaining("glob:**/tablespace_map")
                    .isDirectoryNotContaining("glob:**/base.tar.2.zst");
            assertThat(Files.readString(serverDir.resolve("tablespace_map"))).contains(oid + " " + location);
            pg.execute("INSERT INTO items SELECT g FROM generate_series(5001, 6000) g");
            ArchiveIT.waitUntilArchived(pg, pg.query("SELECT pg_walfile_name(pg_switch_wal())"));
            List<String> before = listing(location);

            Cli.Run unmapped = cli.run("restore", "run", "--target-latest", "--pgdata", restored.toString());
            assertThat(unmapped.exitCode()).isEqualTo(2);
            assertThat(unmapped.stderr()).contains("has tablespace " + oid + " at " + location)
                    .contains("--tablespace-map " + location + "=NEWDIR");
            assertThat(restored).doesNotExist();

            Path newLocation = work.resolve("restored/ts1");
            Cli.Run run = cli.run("restore", "run", "--target-latest", "--pgdata", restored.toString(),
                    "--tablespace-map", location + "=" + newLocation, "--check", "SELECT count(*) = 6000 FROM items");
            assertThat(run.exitCode()).as(run.stderr() + run.stdout()).isZero();
            assertThat(Files.readSymbolicLink(restored.resolve("pg_tblspc").resolve(oid))).isEqualTo(newLocation);
            assertThat(newLocation).isDirectoryContaining("glob:**/PG_15_*");
            assertThat(listing(location)).as("the live cluster's tablespace is untouched").isEqualTo(before);
            assertThat(run.stdout() + run.stderr()).contains(id(byServer));

            Path clientLocation = work.resolve("from-client/ts1");
            Cli.Run older = cli.run("restore", "run", "--target-latest", "--backup", id(byPitr), "--pgdata",
                    fromClient.toString(), "--tablespace-map", location + "=" + clientLocation,
                    "--check", "SELECT count(*) = 6000 FROM items");
            assertThat(older.exitCode()).as(older.stderr() + older.stdout()).isZero();
            assertThat(Files.readSymbolicLink(fromClient.resolve("pg_tblspc").resolve(oid))).isEqualTo(clientLocation);

            stoppedBySignalLeavesNoStagingBehind(pg, repoDir, work, archive);
            serverCompressionIsRefusedWhereTheDatabaseWouldNotFit(pg, repoDir, work);
        } finally {
            if (cli != null) {
                cli.run("restore", "abort", "--pgdata", restored.toString());
                cli.run("restore", "abort", "--pgdata", fromClient.toString());
            }
            TestDirs.delete(work);
            TestDirs.delete(location);
        }
    }

    /**
     * A server-compressed backup stopped by SIGTERM (as Ctrl-C or a scheduler would) stops pg_basebackup, which
     * writes into files rather than into pitr and would otherwise run on, and removes what it staged.
     */
    private static void stoppedBySignalLeavesNoStagingBehind(PgCluster pg, Path repoDir, Path work, String archive)
            throws Exception {
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        pg.execute("ALTER SYSTEM SET archive_command = 'false'", "SELECT pg_reload_conf()");
        try {
            ProcessBuilder pb = new ProcessBuilder(ArchiveIT.LAUNCHER, "--repo", "file://" + repoDir, "backup", "create")
                    .redirectErrorStream(true).redirectOutput(work.resolve("stopped.out").toFile());
            pb.environment().put("PITR_PGPORT", String.valueOf(pg.port()));
            pb.environment().put("PITR_JAVA_OPTS", "-Djava.io.tmpdir=" + tmp);
            Process p = pb.start();
            // with archiving broken, pg_basebackup has written its archives and waits for the WAL: stop pitr there
            long deadline = System.nanoTime() + java.time.Duration.ofMinutes(1).toNanos();
            while (System.nanoTime() < deadline && !"t".equals(pg.query("SELECT count(*) > 0 FROM"
                    + " pg_stat_progress_basebackup WHERE phase LIKE 'waiting for wal archiving%'"))) {
                Thread.sleep(50);
            }
            assertThat(stagedFiles(tmp)).as("pg_basebackup writes into the staging directory").isNotEmpty();
            p.destroy(); // SIGTERM to the JVM the launcher exec'd
            assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isNotZero();
            assertThat(ProcessHandle.allProcesses().filter(ph -> ph.info().commandLine()
                    .map(c -> c.contains("pg_basebackup") && c.contains("-p " + pg.port())).orElse(false)))
                    .as("pg_basebackup stopped with pitr").isEmpty();
            assertThat(stagedFiles(tmp)).as("nothing staged is left").isEmpty();
        } finally {
            pg.execute("ALTER SYSTEM SET archive_command = " + archive, "SELECT pg_reload_conf()");
        }
    }

    /** A staging directory smaller than the database: asked to compress on the server, pitr says why not. */
    private static void serverCompressionIsRefusedWhereTheDatabaseWouldNotFit(PgCluster pg, Path repoDir, Path work)
            throws Exception {
        Path small = Files.createDirectories(work.resolve("small-tmp"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString())
                .redirectErrorStream(true).start();
        if (mount.waitFor() != 0) {
            return; // mounting needs root with CAP_SYS_ADMIN, as the CI image has; the rest of the test stands
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(ArchiveIT.LAUNCHER, "--repo", "file://" + repoDir, "backup", "create",
                    "--compress-at", "server").redirectErrorStream(true).redirectOutput(work.resolve("refused.out").toFile());
            pb.environment().put("PITR_PGPORT", String.valueOf(pg.port()));
            pb.environment().put("PITR_JAVA_OPTS", "-Djava.io.tmpdir=" + small);
            assertThat(pb.start().waitFor()).isEqualTo(2);
            assertThat(Files.readString(work.resolve("refused.out"))).contains("--compress-at server: the staging"
                    + " directory " + small + " has 1 MiB free, less than the database's").contains("use --compress-at client");
            assertThat(stagedFiles(small)).isEmpty();
            try (Stream<Path> backups = Files.list(repoDir.resolve("backups"))) {
                assertThat(backups.filter(b -> !Files.exists(b.resolve("backup.json"))).toList())
                        .as("only the backup stopped by a signal is incomplete: the refused one never started").hasSize(1);
            }
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor();
        }
    }

    private static List<Path> stagedFiles(Path tmp) throws java.io.IOException {
        try (Stream<Path> walk = Files.walk(tmp)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    private static String id(Cli.Run backup) throws java.io.IOException {
        return dev.pitr.core.Json.mapper().readTree(backup.stdout()).get("id").asText();
    }

    private static List<String> listing(Path dir) throws java.io.IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.map(p -> dir.relativize(p) + ":" + p.toFile().length()).sorted().toList();
        }
    }
}
