package dev.pitr.crypto;

import dev.pitr.config.KeySource;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.repo.RepositoryException;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.S3Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What encryption promises, each shown on a real file repository: secrecy, integrity, keys and their rotation. */
class EncryptionTest {
    private static final KeySource KEY = new KeySource.Variable("PITR_ENCRYPTION_KEY", "first passphrase, long enough");
    private static final KeySource NEXT = new KeySource.Variable("PITR_NEW_ENCRYPTION_KEY", "second passphrase, long enough");
    private static final KeySource WRONG = new KeySource.Variable("PITR_ENCRYPTION_KEY", "not this repository's key");

    @TempDir
    Path dir;

    private Repository raw() {
        return Repositories.open("file://" + dir, S3Settings.aws());
    }

    private Repository with(KeySource key) {
        return Encryption.over(raw(), Optional.ofNullable(key), warning -> { });
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyChunkSizeRoundTripsAndTheStoreHoldsNoPlaintext() throws IOException {
        Random random = new Random(7);
        try (Repository repo = with(KEY)) {
            for (int size : new int[]{0, 1, ObjectCipher.CHUNK - 1, ObjectCipher.CHUNK, ObjectCipher.CHUNK + 1,
                    3 * ObjectCipher.CHUNK, 3 * ObjectCipher.CHUNK + 17}) {
                byte[] content = new byte[size];
                random.nextBytes(content);
                if (size > 40) {
                    System.arraycopy(text("secret_ledger_row"), 0, content, 20, 17);
                }
                repo.put("o/" + size, content);
                assertThat(repo.getBytes("o/" + size)).hasValue(content);
                assertThat(repo.head("o/" + size).orElseThrow().size()).as("size seen above").isEqualTo(size);
                assertThat(raw().head("o/" + size).orElseThrow().size()).as("stored size")
                        .isGreaterThan(size + ObjectCipher.HEADER_LENGTH);
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as(f.toString())
                        .doesNotContain("secret_ledger_row");
            }
        }
    }

    @Test
    void aFlippedByteAnywhereIsRefusedByName() throws IOException {
        byte[] content = new byte[2 * ObjectCipher.CHUNK + 5];
        new Random(1).nextBytes(content);
        try (Repository repo = with(KEY)) {
            repo.put("wal/seg", content);
        }
        Path stored = dir.resolve("wal/seg");
        byte[] original = Files.readAllBytes(stored);
        for (int at : new int[]{3, ObjectCipher.HEADER_LENGTH - 1, ObjectCipher.HEADER_LENGTH + 10,
                ObjectCipher.HEADER_LENGTH + ObjectCipher.CHUNK + 20, original.length - 1}) {
            byte[] damaged = original.clone();
            damaged[at] ^= 0x01;
            Files.write(stored, damaged);
            try (Repository repo = with(KEY)) {
                assertThatThrownBy(() -> repo.getBytes("wal/seg")).as("byte %d", at)
                        .hasMessageContaining("wal/seg");
            }
        }
        Files.write(stored, java.util.Arrays.copyOf(original, ObjectCipher.HEADER_LENGTH + ObjectCipher.CHUNK + 16));
        try (Repository repo = with(KEY)) {
            assertThatThrownBy(() -> repo.getBytes("wal/seg")).as("cut at a chunk boundary")
                    .hasMessageContaining("cut short");
        }
    }

    @Test
    void anObjectMovedToAnotherNameDoesNotOpen() throws IOException {
        try (Repository repo = with(KEY)) {
            repo.put("wal/000000010000000000000001", text("segment one"));
            repo.put("wal/000000010000000000000002", text("segment two"));
        }
        Files.copy(dir.resolve("wal/000000010000000000000001"), dir.resolve("wal/000000010000000000000002"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (Repository repo = with(KEY)) {
            assertThatThrownBy(() -> repo.getBytes("wal/000000010000000000000002"))
                    .isInstanceOf(RepositoryException.class).hasMessageContaining("fails authentication");
        }
    }

    @Test
    void aWrongKeyNoKeyAndMixingAreEachRefusedWithExitFour() {
        try (Repository repo = with(KEY)) {
            repo.put("pitr.json", text("{}"));
        }
        try (Repository repo = with(WRONG)) {
            assertThatThrownBy(() -> repo.getBytes("pitr.json")).isInstanceOf(PitrException.class)
                    .hasMessageContaining("is not a key of repository")
                    .satisfies(e -> assertThat(((PitrException) e).exitCode()).isEqualTo(ExitCode.REFUSED));
            assertThatThrownBy(() -> repo.put("x", text("y"))).isInstanceOf(PitrException.class);
        }
        try (Repository repo = with(null)) {
            assertThatThrownBy(() -> repo.getBytes("pitr.json")).isInstanceOf(PitrException.class)
                    .hasMessageContaining("is encrypted");
            assertThatThrownBy(() -> repo.put("wal/x", text("plain"))).isInstanceOf(PitrException.class)
                    .hasMessageContaining("is encrypted");
        }
        assertThat(Files.exists(dir.resolve("wal/x"))).as("nothing written without the key").isFalse();
    }

    @Test
    void aKeyIsNeverAddedToARepositoryThatHoldsPlainObjects(@TempDir Path other) {
        try (Repository plain = Encryption.over(Repositories.open("file://" + other, S3Settings.aws()), Optional.empty(),
                w -> { })) {
            plain.put("pitr.json", text("{\"plain\": true}"));
            plain.put("wal/00000001/x", text("plain wal"));
        }
        try (Repository keyed = Encryption.over(Repositories.open("file://" + other, S3Settings.aws()), Optional.of(KEY),
                w -> { })) {
            assertThatThrownBy(() -> keyed.put("wal/00000001/y", text("new"))).isInstanceOf(PitrException.class)
                    .hasMessageContaining("already holds unencrypted");
            assertThatThrownBy(() -> keyed.getBytes("pitr.json")).isInstanceOf(PitrException.class)
                    .hasMessageContaining("is not encrypted");
        }
        assertThat(Files.exists(other.resolve("keys"))).isFalse();
    }

    @Test
    void keysComeFromAFileOrACommandAndAShortOneIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("key"), "a passphrase from a file\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> warnings = new ArrayList<>();
        assertThat(new String(KeyReader.read(new KeySource.File(file), warnings::add).chars()))
                .isEqualTo("a passphrase from a file");
        assertThat(warnings).singleElement().asString().contains("readable by others");
        assertThat(new String(KeyReader.read(new KeySource.Command("printf 'from a command, long enough'"),
                w -> { }).chars())).isEqualTo("from a command, long enough");
        assertThatThrownBy(() -> KeyReader.read(new KeySource.Command("echo nope >&2; exit 3"), w -> { }))
                .isInstanceOf(PitrException.class).hasMessageContaining("failed (exit 3: nope)");
        assertThatThrownBy(() -> KeyReader.read(new KeySource.Variable("PITR_ENCRYPTION_KEY", "short"), w -> { }))
                .isInstanceOf(PitrException.class).hasMessageContaining("at least " + Secret.MIN_LENGTH);
    }

    @Test
    void rotationRewrapsKeysOnlyAndRetiresTheOldKey() throws IOException {
        try (Repository repo = with(KEY)) {
            repo.put("wal/before", text("written under the first key"));
        }
        Map<String, byte[]> dataObjects = Map.of("wal/before", Files.readAllBytes(dir.resolve("wal/before")));
        KeyRotation.Result result;
        try (Repository r = raw()) {
            result = new KeyRotation(r, KEY, NEXT, line -> { }).run();
        }
        assertThat(result.retiredKeyIds()).hasSize(1);
        assertThat(Files.readAllBytes(dir.resolve("wal/before"))).as("no data object rewritten")
                .isEqualTo(dataObjects.get("wal/before"));
        try (Repository repo = with(NEXT)) {
            assertThat(repo.getBytes("wal/before")).hasValue(text("written under the first key"));
            repo.put("wal/after", text("written under the second key"));
        }
        try (Repository repo = with(KEY)) {
            assertThatThrownBy(() -> repo.getBytes("wal/before")).isInstanceOf(PitrException.class)
                    .hasMessageContaining("was retired");
        }
        try (Repository r = raw()) {
            Encryption.Status status = Encryption.status(r);
            assertThat(status.keyIds()).containsExactly(result.currentKeyId());
            assertThat(status.retiredKeyIds()).isEqualTo(result.retiredKeyIds());
            assertThat(status.dataKeys()).isEqualTo(2);
        }
    }

    @Test
    void anInterruptedRotationLeavesBothKeysWorkingAndRunningItAgainFinishesIt() throws IOException {
        try (Repository repo = with(KEY)) {
            repo.put("wal/before", text("before"));
        }
        try (Repository r = raw()) { // the first write of a rotation, and then the process died
            KeyringStore store = new KeyringStore(r);
            Keyring ring = store.read().orElseThrow();
            Secret oldSecret = KeyReader.read(KEY, w -> { });
            Secret newSecret = KeyReader.read(NEXT, w -> { });
            RepositoryKey old = ring.match(oldSecret).orElseThrow().key();
            Keyring.KeyEntry entry = Keyring.newEntry(newSecret, Instant.now());
            try {
                store.replace(ring.withNewCurrentKey(entry, entry.derive(newSecret), ring.openAll(old),
                        Map.of(old.id(), old), Instant.now()));
            } catch (java.security.GeneralSecurityException e) {
                throw new AssertionError(e);
            }
        }
        for (KeySource either : List.of(KEY, NEXT)) {
            try (Repository repo = with(either)) {
                assertThat(repo.getBytes("wal/before")).hasValue(text("before"));
                repo.put("wal/during-" + either.describe(), text("during"));
            }
        }
        try (Repository r = raw()) {
            new KeyRotation(r, KEY, NEXT, line -> { }).run();
        }
        try (Repository repo = with(NEXT)) {
            assertThat(repo.getBytes("wal/before")).hasValue(text("before"));
            assertThat(repo.getBytes("wal/during-PITR_ENCRYPTION_KEY")).hasValue(text("during"));
            assertThat(repo.getBytes("wal/during-PITR_NEW_ENCRYPTION_KEY")).hasValue(text("during"));
        }
        try (Repository repo = with(KEY)) {
            assertThatThrownBy(() -> repo.getBytes("wal/before")).hasMessageContaining("was retired");
        }
    }
}
