package dev.pitr.crypto;

import dev.pitr.repo.ObjectAuthenticationException;
import dev.pitr.repo.DamagedObjectException;
import dev.pitr.repo.ForwardingRepository;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.PutOutcome;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * A repository whose every object is encrypted by the client ({@link ObjectCipher}): the layers above read and
 * write plaintext and see plaintext sizes; the store holds only ciphertext and the keyring. One more part over
 * any driver, not a fork of it.
 */
public final class EncryptedRepository extends ForwardingRepository {
    private final UnlockedKeys keys;

    EncryptedRepository(Repository raw, UnlockedKeys keys) {
        super(raw);
        this.keys = keys;
    }

    @Override
    public Optional<InputStream> get(String key) {
        Optional<InputStream> stored = raw.get(key);
        if (stored.isPresent()) {
            keys.unlockExisting(); // a wrong key is refused here, before anything is read
        }
        return stored.map(in -> ObjectCipher.decrypt(in, keys::find, key));
    }

    /** Read whole: an object that fails authentication is a {@link DamagedObjectException}, named. */
    @Override
    public Optional<byte[]> getBytes(String key) {
        return get(key).map(in -> {
            try (in) {
                return in.readAllBytes();
            } catch (ObjectAuthenticationException e) {
                throw new DamagedObjectException(key, url() + "/" + e.getMessage(), e);
            } catch (IOException e) {
                throw new RepositoryException("cannot read " + key + " from " + url() + ": " + e.getMessage(), e);
            }
        });
    }

    @Override
    public Optional<byte[]> readRange(String key, long offset, int length) {
        return get(key).map(in -> {
            try (in) {
                in.skipNBytes(offset);
                return in.readNBytes(length);
            } catch (java.io.EOFException beyondTheEnd) {
                return new byte[0];
            } catch (IOException e) {
                throw new RepositoryException("cannot read " + key + " from " + url() + ": " + e.getMessage(), e);
            }
        });
    }

    @Override
    public void put(String key, byte[] content) {
        raw.put(key, encrypt(key, content));
    }

    @Override
    public long putStream(String key, InputStream content) {
        long stored = raw.putStream(key, ObjectCipher.encrypt(content, keys.current(), key));
        return ObjectCipher.plainLength(stored).orElse(stored);
    }

    @Override
    public PutOutcome putIfAbsent(String key, byte[] content) {
        return raw.putIfAbsent(key, encrypt(key, content));
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        return raw.head(key).map(this::plain);
    }

    /** Listings show what the layers above stored: the keyring is the encryption's own. */
    @Override
    public List<ObjectInfo> list(String prefix) {
        return raw.list(prefix).stream().filter(o -> !o.key().equals(KeyringStore.KEY)).map(this::plain).toList();
    }

    @Override
    public List<String> listChildren(String prefix) {
        List<String> children = raw.listChildren(prefix);
        return prefix.isEmpty() ? children.stream().filter(c -> !c.equals(KeyringStore.DIRECTORY)).toList() : children;
    }

    /** The keyring this repository was opened with (after the first use). */
    Keyring keyring() {
        keys.unlockExisting();
        return keys.keyring();
    }

    private byte[] encrypt(String key, byte[] content) {
        try (InputStream in = ObjectCipher.encrypt(new ByteArrayInputStream(content), keys.current(), key)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("encrypting in memory failed", e);
        }
    }

    /** Sizes as the layers above wrote them. */
    private ObjectInfo plain(ObjectInfo stored) {
        return new ObjectInfo(stored.key(), ObjectCipher.plainLength(stored.size()).orElse(stored.size()),
                stored.lastModified());
    }
}
