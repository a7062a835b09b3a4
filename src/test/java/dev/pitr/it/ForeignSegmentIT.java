package dev.pitr.it;

import dev.pitr.wal.WalArchive;
import dev.pitr.core.Json;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;
import dev.pitr.repo.S3Settings;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import dev.pitr.wal.SyntheticWal;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalObjectFormat;
import dev.pitr.wal.WalSegmentName;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Another cluster's segment stored under a valid name of this archive (a copy gone wrong, a shared bucket): a
 * real restore must stop at it with the reason, not hang in REPLAY nor report READY short of the planned WAL.
 */
class ForeignSegmentIT {
    /** What a scenario gets: an archiving cluster, its bucket, the CLI against it, and the copy's PGDATA. */
    private interface Scenario {
        void run(PgCluster pg, String bucket, Cli cli, Path pgdata) throws Exception;
    }

    /**
     * Runs {@code scenario} against a fresh bucket and cluster, backed up after {@code setup} ran, then aborts
     * the restore and removes it all.
     */
    private static void withBackedUpCluster(String prefix, String setup, Scenario scenario) throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        Path work = TestDirs.shared(prefix);
        Path pgdata = work.resolve("restored/data");
        Cli cli = null;
        try (PgCluster pg = PgCluster.start(Map.of("wal_level", "replica", "archive_mode", "on",
                "archive_command", ArchiveIT.archiveCommandTo(s3, bucket)), Map.of())) {
            Map<String, String> env = new HashMap<>(s3.env(bucket));
            env.put("PITR_PGPORT", String.valueOf(pg.port()));
            cli = new Cli(env, work);
            pg.execute(setup);
            Cli.Run backup = cli.run("backup", "create");
            assertThat(backup.exitCode()).as(backup.stderr()).isZero();
            scenario.run(pg, bucket, cli, pgdata);
        } finally {
            if (cli != null) {
                cli.run("restore", "abort", "--pgdata", pgdata.toString());
            }
            TestDirs.delete(work);
        }
    }

    /** Another cluster's segment (system identifier 42) stored under {@code segment}'s name, correctly encoded. */
    private static void storeForeign(String bucket, String segment) throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        try (Repository repo = Repositories.open("s3://" + bucket + "/repo",
                new S3Settings(Optional.of(s3.endpoint()), "us-east-1", true, 3))) {
            byte[] foreign = SyntheticWal.segment(42L, WalSegmentName.parse(segment).orElseThrow(), 16 * 1024 * 1024);
            repo.put(WalArchive.keyOf(WalFileName.parseOrThrow(segment)),
                    WalObjectFormat.encode(foreign, MessageDigest.getInstance("SHA-256").digest(foreign), 1));
        }
    }

    private static void assertFailedWithExit5(Cli.Run restore, Path pgdata) throws Exception {
        assertThat(restore.exitCode()).as(restore.stdout() + restore.stderr()).isEqualTo(5);
        String state = Json.mapper().readTree(pgdata.resolveSibling("data.pitr").resolve("journal.json").toFile())
                .get("state").asText();
        assertThat(state).isEqualTo("FAILED");
    }

    @Test
    void aRestoreStopsAtAForeignSegmentNamingIt() throws Exception {
        withBackedUpCluster("pitr-foreign-", "CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g",
                (pg, bucket, cli, pgdata) -> {
            pg.execute("INSERT INTO t SELECT g FROM generate_series(1, 1000) g");
            String last = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
            ArchiveIT.waitUntilArchived(pg, last);
            storeForeign(bucket, last);
            Cli.Run restore = cli.run("restore", "run", "--target-latest", "--pgdata", pgdata.toString());
            assertFailedWithExit5(restore, pgdata);
            assertThat(restore.stderr()).contains(last).contains("system identifier 42").contains("not handed to PostgreSQL");
        });
    }

    /**
     * The same past the WAL fetched before replay (the rest follows replay): PostgreSQL ends recovery where
     * restore_command refuses a segment, and that must fail the restore, not pass for the end of the archive.
     */
    @Test
    void aForeignSegmentFetchedDuringReplayFailsTheRestoreInsteadOfEndingItEarly() throws Exception {
        withBackedUpCluster("pitr-foreign-late-", "CREATE TABLE t (g int)", (pg, bucket, cli, pgdata) -> {
            String refused = null;
            String last = null;
            int segments = dev.pitr.restore.RestorePlan.SEGMENTS_BEFORE_REPLAY + 6;
            for (int i = 0; i < segments; i++) { // a commit in each segment, so replay needs all of them
                pg.execute("INSERT INTO t VALUES (" + i + ")");
                last = pg.query("SELECT pg_walfile_name(pg_switch_wal())");
                if (i == segments - 3) {
                    refused = last;
                }
            }
            ArchiveIT.waitUntilArchived(pg, last);
            Thread.sleep(1100);
            String target = pg.query("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
            pg.execute("INSERT INTO t VALUES (-1)");
            ArchiveIT.waitUntilArchived(pg, pg.query("SELECT pg_walfile_name(pg_switch_wal())"));
            storeForeign(bucket, refused);
            Cli.Run restore = cli.run("restore", "run", "--target-time", target, "--pgdata", pgdata.toString());
            assertFailedWithExit5(restore, pgdata);
            assertThat(restore.stderr()).contains("short of the planned WAL").contains("not handed to PostgreSQL")
                    .contains(refused);
        });
    }
}
