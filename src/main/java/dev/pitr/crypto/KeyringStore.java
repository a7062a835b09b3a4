package dev.pitr.crypto;

import dev.pitr.core.Json;
import dev.pitr.core.StrictJson;
import dev.pitr.repo.PutOutcome;
import dev.pitr.repo.Repository;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/** Reads and writes the keyring object of a repository, below the encryption (it is the one plain object). */
public final class KeyringStore {
    static final String DIRECTORY = "keys";
    public static final String KEY = DIRECTORY + "/keyring.json";

    private final Repository raw;

    public KeyringStore(Repository raw) {
        this.raw = raw;
    }

    public Optional<Keyring> read() {
        return raw.getBytes(KEY).map(bytes -> StrictJson.read(bytes, Keyring.class, Keyring.FORMAT_VERSION,
                "the keyring " + raw.url() + "/" + KEY));
    }

    public boolean exists() {
        return raw.head(KEY).isPresent();
    }

    /** Writes {@code keyring} only if none is there; returns the one that is there afterwards. */
    Keyring createIfAbsent(Keyring keyring) {
        if (raw.putIfAbsent(KEY, bytes(keyring)) == PutOutcome.CREATED) {
            return keyring;
        }
        return read().orElseThrow(() -> new IllegalStateException(KEY + " was reported to exist but cannot be read"));
    }

    /** Replaces the keyring in one write (the store's put is atomic: temp and rename, or one PUT). */
    void replace(Keyring keyring) {
        raw.put(KEY, bytes(keyring));
    }

    String url() {
        return raw.url() + "/" + KEY;
    }

    Repository raw() {
        return raw;
    }

    private static byte[] bytes(Keyring keyring) {
        try {
            return Json.mapper().writeValueAsBytes(keyring);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
