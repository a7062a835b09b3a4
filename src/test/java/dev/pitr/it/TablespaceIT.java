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
        Cli cli = null;
        try (PgCluster pg = PgCluster.start(Map.of("wal_level", "replica", "archive_mode", "on", "archive_command", archive),
                Map.of())) {
            cli = new Cli(Map.of("PITR_REPO", "file://" + repoDir, "PITR_PGPORT", String.valueOf(pg.port())), work);
            pg.execute("CREATE TABLESPACE ts1 LOCATION '" + location + "'",
                    "CREATE TABLE items TABLESPACE ts1 AS SELECT g FROM generate_series(1, 5000) g");
            String oid = pg.query("SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'");
            Cli.Run backup = cli.run("backup", "create", "--part-size", "1");
            assertThat(backup.exitCode()).as(backup.stderr()).isZero();
            assertThat(backup.stderr()).contains("1 tablespace(s)");
            assertThat(repoDir.resolve("backups")).isDirectoryRecursivelyContaining("glob:**/" + oid + ".tar.zst")
                    .isDirectoryRecursivelyContaining("glob:**/base.tar.2.zst")
                    .isDirectoryRecursivelyContaining("glob:**/tablespace_map");
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
        } finally {
            if (cli != null) {
                cli.run("restore", "abort", "--pgdata", restored.toString());
            }
            TestDirs.delete(work);
            TestDirs.delete(location);
        }
    }

    private static List<String> listing(Path dir) throws java.io.IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.map(p -> dir.relativize(p) + ":" + p.toFile().length()).sorted().toList();
        }
    }
}
