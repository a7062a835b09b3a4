package dev.pitr.crypto;

import dev.pitr.config.KeySource;
import dev.pitr.core.PitrException;
import dev.pitr.repo.Repository;

import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code pitr repo rotate-key}: a new repository key becomes current without rewriting any data object.
 * <ol>
 *   <li>unlock: the current secret opens every data key;</li>
 *   <li>add the new key: it wraps every data key beside the old one, and a fresh data key becomes current
 *       (one write of the keyring);</li>
 *   <li>prove it: the keyring read back opens every data key with the new key alone;</li>
 *   <li>retire the others: their wraps are removed (a second write).</li>
 * </ol>
 * Each write replaces the keyring whole, so an interruption leaves either the old state or a keyring both keys
 * open; running the same rotation again finishes it.
 */
public final class KeyRotation {
    private final KeyringStore store;
    private final Supplier<Secret> current;
    private final Supplier<Secret> next;
    private final Consumer<String> progress;

    public KeyRotation(Repository raw, KeySource current, KeySource next, Consumer<String> progress) {
        this.store = new KeyringStore(raw);
        this.current = Encryption.once(current, progress);
        this.next = Encryption.once(next, progress);
        this.progress = progress;
    }

    public Result run() {
        Keyring ring = store.read().orElseThrow(() -> PitrException.usage("repository " + store.raw().url()
                + " is not encrypted (no " + KeyringStore.KEY + "): there is no key to rotate"));
        Optional<Keyring.Unlocked> already = ring.match(next.get()).filter(u -> u.entry().active());
        RepositoryKey newKey;
        if (already.isPresent() && already.get().key().id().equals(ring.currentKeyId())) {
            newKey = already.get().key();
            progress.accept("ROTATE: key " + newKey.id() + " is already current (a rotation was interrupted): finishing it");
        } else {
            RepositoryKey old = unlockCurrent(ring);
            Map<DataKeyId, DataKey> all = openAll(ring, old);
            Keyring.KeyEntry entry = Keyring.newEntry(next.get(), Instant.now());
            newKey = entry.derive(next.get());
            ring = ring.withNewCurrentKey(entry, newKey, all, Map.of(old.id(), old), Instant.now());
            store.replace(ring);
            progress.accept("ROTATE: key " + newKey.id() + " added and current; " + all.size()
                    + " data key(s) re-wrapped, and a new data key for new objects");
        }
        Keyring written = store.read().orElseThrow();
        int opened = openAll(written, newKey).size();
        List<String> retiring = written.activeKeyIds().stream().filter(id -> !id.equals(written.currentKeyId())).toList();
        ring = written;
        store.replace(ring.withOthersRetired(Instant.now()));
        progress.accept("ROTATE: key(s) " + String.join(", ", retiring) + " retired; " + opened
                + " data key(s) open with key " + newKey.id() + " alone");
        return new Result(newKey.id(), retiring, opened);
    }

    private RepositoryKey unlockCurrent(Keyring ring) {
        Secret s = current.get();
        Keyring.Unlocked u = ring.match(s).filter(m -> m.entry().active()).orElseThrow(() -> PitrException.refused(
                "the current encryption key from " + s.source() + " is not an active key of repository "
                        + store.raw().url() + " (key ids in use: " + String.join(", ", ring.activeKeyIds())
                        + "): nothing was changed"));
        return u.key();
    }

    private Map<DataKeyId, DataKey> openAll(Keyring ring, RepositoryKey key) {
        try {
            return ring.openAll(key);
        } catch (GeneralSecurityException e) {
            throw PitrException.refused("the keyring " + store.url() + " does not open with key " + key.id() + " ("
                    + e.getMessage() + "): it is damaged; nothing was changed");
        }
    }

    /** What a rotation did: the new current key, the keys it retired, the data keys the new key opens. */
    public record Result(String currentKeyId, List<String> retiredKeyIds, int dataKeys) {
    }
}
