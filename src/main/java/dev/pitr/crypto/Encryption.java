package dev.pitr.crypto;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pitr.config.KeySource;
import dev.pitr.repo.Repository;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Puts encryption over a repository driver: with a configured key every object is encrypted, without one none. */
public final class Encryption {
    private Encryption() {
    }

    /**
     * The repository the layers above use. The key is read only when an object needs it (a key command runs once
     * per process, and not at all for a command that reads nothing).
     */
    public static Repository over(Repository raw, Optional<KeySource> key, Consumer<String> warn) {
        if (key.isEmpty()) {
            return new PlainRepository(raw);
        }
        UnlockedKeys keys = new UnlockedKeys(new KeyringStore(raw), once(key.get(), warn));
        prepareWhereItPays(keys);
        return new EncryptedRepository(raw, keys);
    }

    /**
     * In a process that will move many objects (the pusher, a backup, a restore: not the launcher's C1-only
     * per-segment JVMs), the slow one-time work runs beside the start-up instead of before the first object:
     * the keyring read and the key stretched (if the repository has a keyring yet; any failure is met again,
     * and reported, where the key is first needed), then AES-GCM compiled.
     */
    private static void prepareWhereItPays(UnlockedKeys keys) {
        if (!Boolean.getBoolean("pitr.c1-only")) { // the launcher's flag for its per-segment JVMs
            Thread warm = new Thread(() -> {
                try {
                    keys.unlockExisting();
                } catch (RuntimeException metAgainLater) {
                    // a new repository, or a key problem: the first real use says so
                }
                ObjectCipher.warmUp();
            }, "pitr-encryption-warm-up");
            warm.setDaemon(true);
            warm.setPriority(Thread.MIN_PRIORITY);
            warm.start();
        }
    }

    static Supplier<Secret> once(KeySource source, Consumer<String> warn) {
        return new Supplier<>() {
            private Secret secret;

            @Override
            public synchronized Secret get() {
                if (secret == null) {
                    secret = KeyReader.read(source, warn);
                }
                return secret;
            }
        };
    }

    /** Whether a repository is encrypted, and with which keys (ids only), read from its keyring alone. */
    public static Status status(Repository raw) {
        return new KeyringStore(raw).read().map(k -> new Status(true, Optional.of(k.currentKeyId()), k.activeKeyIds(),
                k.keys().stream().filter(e -> !e.active()).map(Keyring.KeyEntry::keyId).toList(), k.dataKeys().size()))
                .orElse(new Status(false, Optional.empty(), List.of(), List.of(), 0));
    }

    /** What {@code info} and {@code check} say about a repository's encryption. */
    public record Status(@JsonProperty("encrypted") boolean encrypted,
                         @JsonProperty("current_key_id") Optional<String> currentKeyId,
                         @JsonProperty("key_ids") List<String> keyIds,
                         @JsonProperty("retired_key_ids") List<String> retiredKeyIds,
                         @JsonProperty("data_keys") int dataKeys) {
        /** One line for people. */
        public String describe() {
            if (!encrypted) {
                return "not encrypted";
            }
            return "encrypted (AES-256-GCM), key " + currentKeyId.orElse("?") + " current"
                    + (keyIds.size() > 1 ? ", also open with " + String.join(", ", keyIds.stream()
                    .filter(k -> !currentKeyId.orElse("").equals(k)).toList()) + " (a rotation to finish)" : "")
                    + (retiredKeyIds.isEmpty() ? "" : "; retired: " + String.join(", ", retiredKeyIds))
                    + "; " + dataKeys + " data key(s)";
        }
    }
}
