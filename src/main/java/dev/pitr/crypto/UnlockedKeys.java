package dev.pitr.crypto;

import dev.pitr.core.PitrException;
import dev.pitr.repo.ObjectAuthenticationException;
import dev.pitr.repo.RepositoryLayout;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The repository's keyring opened with the configured secret, loaded once per process on first use: the
 * current data key for writes, any data key the secret can open for reads. A new repository gets its keyring
 * on its first write; a repository that already holds plain objects is refused, never mixed.
 */
final class UnlockedKeys {
    private final KeyringStore store;
    private final Supplier<Secret> secret;
    private final Map<DataKeyId, DataKey> opened = new ConcurrentHashMap<>();
    private volatile Keyring keyring;
    private volatile RepositoryKey key;

    UnlockedKeys(KeyringStore store, Supplier<Secret> secret) {
        this.store = store;
        this.secret = secret;
    }

    /** For reads: the keyring must exist (an object that is there was written by someone). */
    synchronized void unlockExisting() {
        if (keyring == null) {
            unlock(store.read().orElseThrow(() -> PitrException.refused("repository " + store.raw().url()
                    + " is not encrypted (no " + KeyringStore.KEY + ") but an encryption key is configured: pitr"
                    + " never mixes plain and encrypted objects; remove the key setting to read it as it is")));
        }
    }

    /** For writes: the keyring, created when the repository is new. */
    synchronized void unlockOrCreate() {
        if (keyring == null) {
            unlock(store.read().orElseGet(this::create));
        }
    }

    private Keyring create() {
        boolean plainContent = store.raw().head(RepositoryLayout.IDENTITY).isPresent()
                || !store.raw().listChildren(RepositoryLayout.WAL).isEmpty()
                || !store.raw().listChildren(RepositoryLayout.BACKUPS).isEmpty();
        if (plainContent) {
            throw PitrException.refused("repository " + store.raw().url() + " already holds unencrypted WAL or"
                    + " backups: pitr never mixes plain and encrypted objects; archive into a new repository to"
                    + " encrypt, or remove the key setting; nothing was written");
        }
        return store.createIfAbsent(Keyring.create(secret.get(), Instant.now()));
    }

    private void unlock(Keyring ring) {
        Secret s = secret.get();
        Keyring.Unlocked match = ring.match(s).orElseThrow(() -> PitrException.refused("the encryption key from "
                + s.source() + " is not a key of repository " + store.raw().url() + " (key ids in use: "
                + String.join(", ", ring.activeKeyIds()) + "): give the repository's current key"));
        if (!match.entry().active()) {
            throw PitrException.refused("the encryption key from " + s.source() + " was retired from repository "
                    + store.raw().url() + " at " + match.entry().retiredAt().orElseThrow() + " by 'pitr repo rotate-key':"
                    + " give the current key (id " + ring.currentKeyId() + ")");
        }
        this.key = match.key();
        this.keyring = ring;
    }

    /** The data key new objects are encrypted with. */
    DataKey current() {
        unlockOrCreate();
        try {
            return find(DataKeyId.parse(keyring.currentDataKeyId()), KeyringStore.KEY);
        } catch (IOException e) {
            throw PitrException.refused(e.getMessage());
        }
    }

    DataKey find(DataKeyId id, String object) throws IOException {
        DataKey known = opened.get(id);
        if (known != null) {
            return known;
        }
        Keyring.DataKeyEntry entry = keyring.dataKey(id).orElseThrow(() -> new ObjectAuthenticationException(object,
                "its data key " + id + " is not in the keyring " + store.url()));
        Keyring.Wrap wrap = entry.under(key.id()).orElseThrow(() -> new ObjectAuthenticationException(object,
                "its data key " + id + " is not wrapped under key " + key.id()));
        try {
            DataKey data = key.unwrap(id, wrap.opened());
            opened.put(id, data);
            return data;
        } catch (GeneralSecurityException e) {
            throw new ObjectAuthenticationException(object, "the keyring's wrap of its data key " + id
                    + " does not authenticate under key " + key.id());
        }
    }

    Keyring keyring() {
        return keyring;
    }
}
