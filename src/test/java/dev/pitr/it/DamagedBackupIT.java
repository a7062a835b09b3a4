package dev.pitr.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.backup.BackupCatalog;
import dev.pitr.backup.BackupMetadata;
import dev.pitr.core.Json;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.S3Settings;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One flipped byte in any kind of backup object — the server-compressed archive, a part of a client-compressed
 * backup, the manifest — at its start, middle or end: found by 'backup verify' and 'wal verify --deep' with the
 * same exit code, and 'expire' refuses to leave only the damaged backup behind.
 */
class DamagedBackupIT {
    static Path work;
    static PgCluster pg;
    static Cli cli;
    static Repository repo;
    static BackupMetadata server;
    static BackupMetadata client;

    @BeforeAll
    static void twoBackups() throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        work = TestDirs.shared("pitr-damaged-");
        pg = PgCluster.start(Map.of("wal_level", "replica", "archive_mode", "on",
                "archive_command", ArchiveIT.archiveCommandTo(s3, bucket)), Map.of());
        Map<String, String> env = new HashMap<>(s3.env(bucket));
        env.put("PITR_PGPORT", String.valueOf(pg.port()));
        cli = new Cli(env, work);
        pg.execute("CREATE TABLE t AS SELECT g, md5(g::text) AS h FROM generate_series(1, 20000) g");
        for (List<String> how : List.of(List.of("--compress-at", "client", "--part-size", "1"),
                List.of("--compress-at", "server"))) {
            List<String> args = new ArrayList<>(List.of("backup", "create"));
            args.addAll(how);
            Cli.Run backup = cli.run(args.toArray(String[]::new));
            assertThat(backup.exitCode()).as(backup.stderr()).isZero();
        }
        repo = Repositories.open("s3://" + bucket + "/repo", new S3Settings(Optional.of(s3.endpoint()), "us-east-1", true, 3));
        List<BackupMetadata> backups = new BackupCatalog(repo).complete().stream()
                .sorted(java.util.Comparator.comparing(BackupMetadata::stopTime)).toList();
        client = backups.get(0);
        server = backups.get(1);
        assertThat(client.files()).as("parts").hasSizeGreaterThan(1);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (repo != null) {
            repo.close();
        }
        if (pg != null) {
            pg.close();
        }
        TestDirs.delete(work);
    }

    @Test
    void everyFlippedByteOfEveryKindOfObjectIsFoundWithTheSameExitCode() throws Exception {
        Cli.Run whole = cli.run("backup", "verify");
        assertThat(whole.exitCode()).as(whole.stdout() + whole.stderr()).isZero();
        assertThat(whole.stdout()).contains("backup " + client.id() + ": whole").contains("backup " + server.id() + ": whole");

        List<String> objects = List.of(server.files().get(0).key(), client.files().get(1).key(), server.manifestKey());
        for (String key : objects) {
            byte[] original = repo.getBytes(key).orElseThrow();
            for (int at : new int[]{2, original.length / 2, original.length - 1}) {
                byte[] damaged = original.clone();
                damaged[at] ^= 0x20;
                repo.put(key, damaged);
                try {
                    String id = key.equals(server.manifestKey()) || key.startsWith(BackupCatalog.prefix(server.id()))
                            ? server.id() : client.id();
                    Cli.Run verify = cli.run("backup", "verify", id);
                    assertThat(verify.exitCode()).as(key + " byte " + at + ": " + verify.stdout() + verify.stderr())
                            .isEqualTo(3);
                    assertThat(verify.stdout()).contains("backup " + id + ": DAMAGED").contains(key);
                } finally {
                    repo.put(key, original);
                }
            }
        }
        assertThat(cli.run("backup", "verify").exitCode()).as("put back whole").isZero();
    }

    @Test
    void deepArchiveVerificationFindsItAndExpireNeverKeepsOnlyTheDamagedBackup() throws Exception {
        String key = server.files().get(0).key();
        byte[] original = repo.getBytes(key).orElseThrow();
        byte[] damaged = original.clone();
        damaged[original.length / 3] ^= 0x01;
        repo.put(key, damaged);
        try {
            Cli.Run shallow = cli.run("wal", "verify");
            assertThat(shallow.exitCode()).as("the shallow check reads no bytes: " + shallow.stdout()).isZero();
            Cli.Run deep = cli.run("--json", "wal", "verify", "--deep");
            assertThat(deep.exitCode()).as(deep.stdout() + deep.stderr()).isEqualTo(3);
            JsonNode problems = Json.mapper().readTree(deep.stdout()).get("problems");
            assertThat(problems.toString()).contains("damaged-backup").contains(key);

            Cli.Run expire = cli.run("--yes", "expire", "--keep-full", "1");
            assertThat(expire.exitCode()).as(expire.stdout() + expire.stderr()).isEqualTo(3);
            assertThat(expire.stderr()).contains("is damaged").contains("nothing was deleted");
            assertThat(new BackupCatalog(repo).complete()).as("both backups kept").hasSize(2);
        } finally {
            repo.put(key, original);
        }
        assertThat(cli.run("--json", "wal", "verify", "--deep").exitCode()).isZero();
    }
}
