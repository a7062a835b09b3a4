package dev.pitr.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.S3Settings;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.testkit.S3rver;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real PostgreSQL 15 archives into an encrypted repository (sync pushes, then the async pusher), two backups
 * are taken (pitr compressing, then the server), and the incident runs over it: the mistake found in the WAL,
 * a restore just before it, salvage, a drill. Then: no plaintext anywhere in the store, a damaged object refused
 * by name, and a key rotation after which only the new key opens the repository.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EncryptedRepositoryScenario {
    static final String ROW_VALUE = "confidential-row-7f3a";
    static final String FIRST_KEY = "the first key of the encrypted test repository";
    static final String SECOND_KEY = "the second key, after rotate-key";
    PgCluster pg;
    Path work;
    Path config;
    Cli cli;
    long deleteXid;
    Store store;
    final List<Path> restores = new ArrayList<>();

    /** Where the repository lives: its URL, the config lines and server environment to reach it, its raw objects. */
    interface Store extends AutoCloseable {
        String url();

        default String yaml() {
            return "";
        }

        default Map<String, String> serverEnv() {
            return Map.of();
        }

        /** The driver alone, below pitr's encryption: what is really stored. */
        Repository raw();

        @Override
        void close();
    }

    abstract Store newStore() throws IOException;

    static Store s3Store(URI endpoint, String bucket) {
        return new Store() {
            @Override
            public String url() {
                return "s3://" + bucket + "/repo";
            }

            @Override
            public String yaml() {
                return "    s3:\n      endpoint: " + endpoint + "\n";
            }

            @Override
            public Map<String, String> serverEnv() {
                return Map.of("AWS_ACCESS_KEY_ID", EmbeddedS3.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", EmbeddedS3.SECRET_KEY);
            }

            @Override
            public Repository raw() {
                return Repositories.open(url(), new S3Settings(Optional.of(endpoint), "us-east-1", true, 3));
            }

            @Override
            public void close() {
            }
        };
    }

    Path keyFile(String name, String key) throws IOException {
        Path f = Files.writeString(work.resolve(name), key + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        ProcessRunner.giveToServerUser(f); // archive_command and restore_command read it as the server user
        return f;
    }

    void writeConfig(Path key) throws IOException {
        Files.writeString(config, """
                clusters:
                  main:
                    environment: test
                    repo: %s
                    port: %d
                    encryption-key-file: %s
                """.formatted(store.url(), pg == null ? 5432 : pg.port(), key) + store.yaml());
    }

    @BeforeAll
    void archiveIntoAnEncryptedRepository() throws Exception {
        work = TestDirs.shared("pitr-encrypted-");
        store = newStore();
        Path spool = TestDirs.serverOwned("pitr-encrypted-spool-");
        config = work.resolve("pitr.yaml");
        Path first = keyFile("first.key", FIRST_KEY);
        writeConfig(first);
        pg = PgCluster.start(Map.of("wal_level", "replica", "archive_mode", "on",
                "archive_command", "'" + ArchiveIT.LAUNCHER + " --config " + config + " wal push %p'"), store.serverEnv());
        writeConfig(first); // now with the port
        Map<String, String> env = new HashMap<>(store.serverEnv());
        env.put("PITR_CONFIG", config.toString());
        env.put("AWS_REGION", "us-east-1");
        cli = new Cli(env, work);
        pg.execute("CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, '" + ROW_VALUE + " ' || g FROM generate_series(1, 500) g");
        pg.pgbench("-i", "-s", "1", "-q");
        Cli.Run clientCompressed = cli.run("backup", "create", "--compress-at", "client");
        assertThat(clientCompressed.exitCode()).as(clientCompressed.stderr()).isZero();

        pg.execute("ALTER SYSTEM SET archive_command = '" + ArchiveIT.LAUNCHER + " --config " + config
                + " wal push --async --spool " + spool + " %p'", "SELECT pg_reload_conf()");
        pg.execute("INSERT INTO orders SELECT g, '" + ROW_VALUE + " ' || g FROM generate_series(501, 1000) g");
        Cli.Run serverCompressed = cli.run("backup", "create", "--compress-at", "server");
        assertThat(serverCompressed.exitCode()).as(serverCompressed.stderr()).isZero();
        pg.execute("INSERT INTO orders SELECT g, 'late ' || g FROM generate_series(1001, 1100) g");
        deleteXid = Long.parseLong(pg.query("WITH gone AS (DELETE FROM orders WHERE id <= 100 RETURNING 1)"
                + " SELECT txid_current()"));
        pg.execute("INSERT INTO orders SELECT g, 'after ' || g FROM generate_series(1101, 1150) g");
        ArchiveIT.waitUntilArchived(pg, pg.query("SELECT pg_walfile_name(pg_switch_wal())"));
        assertThat(pg.query("SELECT failed_count FROM pg_stat_archiver")).isEqualTo("0");
    }

    @AfterAll
    void cleanUp() {
        for (Path p : restores) {
            cli.run("restore", "abort", "--pgdata", p.toString());
        }
        if (pg != null) {
            pg.close();
        }
        TestDirs.delete(work);
        if (store != null) {
            store.close();
        }
    }

    static JsonNode encryptionFinding(Cli with) throws IOException {
        Cli.Run check = with.run("--json", "check");
        for (JsonNode f : Json.mapper().readTree(check.stdout())) {
            if (f.get("topic").asText().equals("encryption")) {
                return f;
            }
        }
        throw new AssertionError("no encryption finding: " + check.stdout() + check.stderr());
    }

    int restoreJustBeforeTheDelete(Cli with, String name) throws IOException {
        Path pgdata = work.resolve(name + "/data");
        restores.add(pgdata);
        Cli.Run run = with.run("restore", "run", "--target-xid", String.valueOf(deleteXid), "--pgdata", pgdata.toString());
        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
        return SeedScenarioIT.copyPort(pgdata);
    }

    @Test
    @Order(1)
    void theIncidentRunsOverAnEncryptedRepository() throws Exception {
        JsonNode info = Json.mapper().readTree(cli.run("--json", "info").stdout());
        assertThat(info.get("encryption").get("encrypted").asBoolean()).isTrue();
        assertThat(info.get("encryption").get("key_ids")).hasSize(1);
        assertThat(info.get("backups")).hasSize(2);

        assertThat(encryptionFinding(cli).get("level").asText()).isEqualTo("OK");
        Path rootsOnly = Files.writeString(work.resolve("roots-only.key"), FIRST_KEY);
        Files.setPosixFilePermissions(rootsOnly, PosixFilePermissions.fromString("rw-------"));
        JsonNode unreachable = encryptionFinding(cli.with("PITR_ENCRYPTION_KEY_FILE", rootsOnly.toString()));
        if (ProcessRunner.runningAsRoot()) {
            assertThat(unreachable.get("level").asText()).isEqualTo("FAIL");
            assertThat(unreachable.get("fix").asText()).contains("chown postgres " + rootsOnly);
        }
        JsonNode inline = encryptionFinding(cli.with("PITR_ENCRYPTION_KEY", FIRST_KEY));
        assertThat(inline.get("level").asText()).as("the server does not see this shell's variable").isEqualTo("WARN");
        assertThat(encryptionFinding(cli.with("PITR_ENCRYPTION_KEY", "a key this repository never had")).get("level")
                .asText()).isEqualTo("FAIL");

        Cli.Run find = cli.run("--json", "target", "find", "--wal", "--table", "orders");
        assertThat(find.exitCode()).as(find.stdout() + find.stderr()).isZero();
        assertThat(Json.mapper().readTree(find.stdout()).get("recommendation").get("xid").asLong()).isEqualTo(deleteXid);

        int port = restoreJustBeforeTheDelete(cli, "copy");
        assertThat(SeedScenarioIT.queryOn(port, "SELECT count(*) FROM orders WHERE id <= 100")).isEqualTo("100");
        assertThat(SeedScenarioIT.queryOn(port, "SELECT count(*) FROM orders")).isEqualTo("1100");
        Cli.Run salvage = cli.run("--yes", "salvage", "--from-port", String.valueOf(port), "--table", "public.orders",
                "--merge", "--key", "id");
        assertThat(salvage.exitCode()).as(salvage.stdout() + salvage.stderr()).isZero();
        assertThat(pg.query("SELECT count(*) FROM orders")).isEqualTo("1150");

        Cli.Run drill = cli.run("drill", "--backup", "random", "--target", "random", "--scratch",
                work.resolve("drills").toString());
        assertThat(drill.exitCode()).as(drill.stdout() + drill.stderr()).isZero();
    }

    @Test
    @Order(2)
    void theStoreHoldsNoRowValueNoTableNameAndNoWalPage() throws Exception {
        long systemIdentifier = Long.parseLong(pg.query("SELECT system_identifier FROM pg_control_system()"));
        byte[] identifier = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(systemIdentifier).array();
        List<String> keys;
        long bytes = 0;
        try (Repository raw = store.raw()) {
          keys = raw.list("").stream().map(ObjectInfo::key).toList();
          assertThat(keys).hasSizeGreaterThan(10);
          for (String f : keys) {
            byte[] content = raw.getBytes(f).orElseThrow();
            bytes += content.length;
            String text = new String(content, StandardCharsets.ISO_8859_1);
            assertThat(text).as(f.toString()).doesNotContain(ROW_VALUE).doesNotContain("orders")
                    .doesNotContain("pgbench_accounts");
            assertThat(indexOf(content, identifier)).as("the system identifier in %s", f).isEqualTo(-1);
            // a WAL page header: magic 0xD110 (PostgreSQL 15), info, then timeline 1
            assertThat(indexOf(content, new byte[]{0x10, (byte) 0xD1, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00}))
                    .as("a long WAL page header in %s", f).isEqualTo(-1);
            assertThat(indexOf(content, new byte[]{0x10, (byte) 0xD1, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00}))
                    .as("a short WAL page header in %s", f).isEqualTo(-1);
          }
        }
        System.out.println(getClass().getSimpleName() + ": searched " + keys.size() + " objects, " + bytes
                + " bytes: no plaintext");
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    @Order(3)
    void aDamagedWalObjectAndADamagedBackupObjectAreRefusedByName() throws Exception {
        try (Repository raw = store.raw()) {
            String wal = raw.list("wal/").stream().map(ObjectInfo::key).filter(k -> k.matches(".*/[0-9A-F]{24}\\.pitr"))
                    .sorted().toList().get(1);
            String backupPart = raw.list("backups/").stream().filter(o -> !o.key().endsWith(".json"))
                    .max(Comparator.comparingLong(ObjectInfo::size)).orElseThrow().key();
            for (String damaged : List.of(wal, backupPart)) {
                byte[] original = raw.getBytes(damaged).orElseThrow();
                byte[] flipped = original.clone();
                flipped[original.length / 2] ^= 0x01;
                raw.put(damaged, flipped);
                try {
                    if (damaged.equals(wal)) {
                        Cli.Run verify = cli.run("wal", "verify", "--deep");
                        assertThat(verify.exitCode()).isEqualTo(3);
                        assertThat(verify.stdout() + verify.stderr()).contains(damaged).contains("fails authentication");
                        Path dest = work.resolve("fetched");
                        String name = damaged.substring(damaged.lastIndexOf('/') + 1).replace(".pitr", "");
                        Cli.Run fetch = cli.run("wal", "fetch", name, dest.toString());
                        assertThat(fetch.exitCode()).isEqualTo(5);
                        assertThat(fetch.stderr()).contains(damaged);
                        assertThat(dest).doesNotExist();
                    } else {
                        Cli.Run verify = cli.run("backup", "verify");
                        assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isEqualTo(3);
                        assertThat(verify.stdout() + verify.stderr()).contains(damaged);
                        String backupId = damaged.split("/")[1];
                        Path pgdata = work.resolve("from-damaged/data");
                        restores.add(pgdata);
                        Cli.Run restore = cli.run("restore", "run", "--target-immediate", "--backup", backupId,
                                "--pgdata", pgdata.toString());
                        assertThat(restore.exitCode()).as(restore.stdout() + restore.stderr()).isNotZero();
                        assertThat(restore.stderr()).contains(damaged.substring(damaged.lastIndexOf('/') + 1));
                        assertThat(pgdata.resolve("postmaster.pid")).as("no server started on it").doesNotExist();
                    }
                } finally {
                    raw.put(damaged, original);
                }
            }
        }
    }

    @Test
    @Order(4)
    void afterRotateKeyOnlyTheNewKeyOpensTheRepositoryAndArchivingGoesOn() throws Exception {
        Path second = keyFile("second.key", SECOND_KEY);
        Cli.Run rotate = cli.run("--yes", "repo", "rotate-key", "--new-key-file", second.toString());
        assertThat(rotate.exitCode()).as(rotate.stdout() + rotate.stderr()).isZero();
        assertThat(rotate.stdout()).contains("retired:");
        writeConfig(second); // what an operator does next: every pitr gets the new key

        pg.execute("INSERT INTO orders VALUES (5000, 'after the rotation')");
        ArchiveIT.waitUntilArchived(pg, pg.query("SELECT pg_walfile_name(pg_switch_wal())"));
        int port = restoreJustBeforeTheDelete(cli, "copy-after-rotation");
        assertThat(SeedScenarioIT.queryOn(port, "SELECT count(*) FROM orders WHERE id <= 100")).isEqualTo("100");

        Cli.Run old = cli.with("PITR_ENCRYPTION_KEY", FIRST_KEY).run("info");
        assertThat(old.exitCode()).isEqualTo(4);
        assertThat(old.stderr()).contains("was retired");
        JsonNode info = Json.mapper().readTree(cli.run("--json", "info").stdout());
        assertThat(info.get("encryption").get("retired_key_ids")).hasSize(1);
        assertThat(info.get("encryption").get("key_ids")).hasSize(1);
    }
}
