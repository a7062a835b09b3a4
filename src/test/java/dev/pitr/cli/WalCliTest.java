package dev.pitr.cli;

import dev.pitr.wal.WalArchive;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;
import dev.pitr.repo.S3Settings;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.wal.SyntheticWal;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalSegmentName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** wal push / fetch / list through the CLI against a real S3 server, with the bad inputs the issue lists. */
class WalCliTest {
    private static final int MB16 = 16 * 1024 * 1024;
    private static final long SYSID = 7_300_000_000_000_000_001L;

    @TempDir
    Path dir;
    private Cli cli;
    private Repository repo;

    @BeforeEach
    void setUp() {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        cli = new Cli(s3.env(bucket), dir);
        repo = Repositories.open("s3://" + bucket + "/repo",
                new S3Settings(Optional.of(s3.endpoint()), "us-east-1", true, 3));
    }

    @AfterEach
    void tearDown() {
        repo.close();
    }

    private Path segment(String name, long sysid) throws Exception {
        WalSegmentName n = WalSegmentName.parse(name).orElseThrow();
        Path dirFor = Files.createDirectories(dir.resolve("pg_wal-" + sysid));
        return Files.write(dirFor.resolve(name), SyntheticWal.segment(sysid, n, MB16));
    }

    private static void assertOneLineError(Cli.Run run, int code, String mentions) {
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(code);
        assertThat(run.stderrLines()).hasSize(1);
        assertThat(run.stderr()).startsWith("pitr: ").contains(mentions);
    }

    @Test
    void pushFetchRoundTripIsByteIdenticalAndIdempotent() throws Exception {
        Path seg = segment("000000010000000000000005", SYSID);
        assertThat(cli.run("wal", "push", seg.toString()).exitCode()).isZero();
        Cli.Run again = cli.run("--json", "wal", "push", seg.toString());
        assertThat(again.exitCode()).isZero();
        assertThat(again.stdout()).contains("\"outcome\" : \"ALREADY_ARCHIVED\"");

        Path dest = dir.resolve("RECOVERYXLOG");
        Cli.Run fetch = cli.run("wal", "fetch", "000000010000000000000005", dest.toString());
        assertThat(fetch.exitCode()).isZero();
        assertThat(Files.readAllBytes(dest)).isEqualTo(Files.readAllBytes(seg));

        Cli.Run missing = cli.run("wal", "fetch", "000000010000000000000006", dir.resolve("x").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).as("PostgreSQL probes for absent files: stay quiet").isEmpty();
        assertThat(Files.exists(dir.resolve("x"))).isFalse();

        Cli.Run list = cli.run("wal", "list");
        assertThat(list.stdout()).contains("timeline 1: 1 segments").contains("000000010000000000000005");
    }

    @Test
    void historyAndBackupLabelFilesArchiveToo() throws Exception {
        Path seg = segment("000000010000000000000002", SYSID);
        assertThat(cli.run("wal", "push", seg.toString()).exitCode()).isZero();
        Path history = Files.writeString(dir.resolve("00000002.history"), "1\t0/3000000\tno recovery target specified\n");
        Path label = Files.writeString(dir.resolve("000000010000000000000002.00000028.backup"), "START WAL LOCATION: 0/2000028\n");
        assertThat(cli.run("wal", "push", history.toString()).exitCode()).isZero();
        assertThat(cli.run("wal", "push", label.toString()).exitCode()).isZero();
        Path dest = dir.resolve("h");
        assertThat(cli.run("wal", "fetch", "00000002.history", dest.toString()).exitCode()).isZero();
        assertThat(Files.readString(dest)).isEqualTo(Files.readString(history));
        assertThat(cli.run("wal", "list", "--timeline", "2").stdout()).contains("timeline 2: 0 segments").contains("history file");
    }

    @Test
    void refusesANonWalFileAndWritesNothing() throws Exception {
        Path fake = Files.writeString(dir.resolve("000000010000000000000001"), "SELECT 1; -- definitely not WAL".repeat(10));
        assertOneLineError(cli.run("wal", "push", fake.toString()), 2, "not a PostgreSQL 13+ WAL segment");
        Path badName = Files.writeString(dir.resolve("notes.txt"), "x");
        assertOneLineError(cli.run("wal", "push", badName.toString()), 2, "'notes.txt' is not a WAL file name");
        assertOneLineError(cli.run("wal", "push", dir.resolve("000000010000000000000009").toString()), 2, "does not exist");
        assertThat(repo.list("")).isEmpty();
    }

    @Test
    void refusesATruncatedSegmentAndWritesNothing() throws Exception {
        Path seg = segment("000000010000000000000003", SYSID);
        byte[] full = Files.readAllBytes(seg);
        Files.write(seg, Arrays.copyOf(full, full.length / 2));
        assertOneLineError(cli.run("wal", "push", seg.toString()), 2, "truncated");
        assertThat(repo.list("")).isEmpty();
    }

    @Test
    void refusesWalFromAnotherClusterAndLeavesTheRepositoryUnchanged() throws Exception {
        assertThat(cli.run("wal", "push", segment("000000010000000000000003", SYSID).toString()).exitCode()).isZero();
        var before = repo.list("");
        Path foreign = segment("000000010000000000000004", SYSID + 1);
        assertOneLineError(cli.run("wal", "push", foreign.toString()), 4,
                "belongs to the cluster with system identifier " + Long.toUnsignedString(SYSID));
        assertThat(repo.list("")).isEqualTo(before);
    }

    @Test
    void refusesDifferentContentUnderAnArchivedName() throws Exception {
        Path seg = segment("000000010000000000000003", SYSID);
        assertThat(cli.run("wal", "push", seg.toString()).exitCode()).isZero();
        byte[] original = repo.getBytes(WalArchive.keyOf(WalFileName.parseOrThrow(seg.getFileName().toString()))).orElseThrow();
        byte[] changed = Files.readAllBytes(seg);
        changed[100_000] = 1;
        Files.write(seg, changed);
        assertOneLineError(cli.run("wal", "push", seg.toString()), 4, "different content");
        assertThat(repo.getBytes("wal/00000001/00000000/000000010000000000000003.pitr")).hasValue(original);
    }

    @Test
    void aDamagedStoredObjectIsNeverHandedToPostgres() throws Exception {
        Path seg = segment("000000010000000000000003", SYSID);
        assertThat(cli.run("wal", "push", seg.toString()).exitCode()).isZero();
        String key = "wal/00000001/00000000/000000010000000000000003.pitr";
        byte[] stored = repo.getBytes(key).orElseThrow();
        stored[stored.length - 5] ^= 0x40;
        repo.put(key, stored);
        Path dest = dir.resolve("RECOVERYXLOG");
        assertOneLineError(cli.run("wal", "fetch", "000000010000000000000003", dest.toString()), 5, "is damaged");
        assertThat(Files.exists(dest)).isFalse();
        assertThat(cli.run("-v", "wal", "push", seg.toString()).stderr()).contains("replaced");
        assertThat(cli.run("wal", "fetch", "000000010000000000000003", dest.toString()).exitCode()).isZero();
    }

    @Test
    void repositoryTyposAndDeadEndpointsAreOneLineErrors() throws Exception {
        Path seg = segment("000000010000000000000003", SYSID);
        assertOneLineError(cli.run("--repo", "s4://bucket/x", "wal", "push", seg.toString()), 2, "unknown scheme");
        assertOneLineError(cli.run("--repo", "file://" + dir.resolve("no-such-repo"), "wal", "push", seg.toString()), 5,
                "does not exist");
        assertThat(Files.exists(dir.resolve("no-such-repo"))).isFalse();
        assertOneLineError(cli.run("--repo", "s3://no-such-bucket-zz/r", "wal", "push", seg.toString()), 5,
                "bucket 'no-such-bucket-zz' does not exist");
        Cli dead = cli.with("PITR_S3_ENDPOINT", "http://127.0.0.1:1").with("PITR_S3_MAX_ATTEMPTS", "2");
        assertOneLineError(dead.run("wal", "push", seg.toString()), 5, "cannot reach S3");
        assertThat(repo.list("")).isEmpty();
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(cli.run("wal", "push").exitCode()).isEqualTo(2);
        assertThat(cli.run("nonsense").exitCode()).isEqualTo(2);
        assertThat(cli.run("--help").stdout()).contains("Exit codes:").contains("4   refused for safety");
    }
}
