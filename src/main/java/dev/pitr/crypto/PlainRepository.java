package dev.pitr.crypto;

import dev.pitr.core.PitrException;
import dev.pitr.repo.ForwardingRepository;
import dev.pitr.repo.PutOutcome;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryException;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.Optional;

/**
 * A repository opened without a key: read and written as it is, but an encrypted repository is refused by name
 * (its first object read, or before its first write) rather than misread or mixed with plain objects.
 */
public final class PlainRepository extends ForwardingRepository {
    /**
     * Known to be a plain repository: no keyring, or a plain object read from it (pitr never mixes the two). Then
     * writes need no look for the keyring: a push reads the identity first, so archive_command's per-segment
     * process asks the store nothing more than before.
     */
    private volatile boolean writable;

    PlainRepository(Repository raw) {
        super(raw);
    }

    private PitrException encrypted() {
        return PitrException.refused("repository " + raw.url() + " is encrypted (" + KeyringStore.KEY + "): give its key"
                + " with encryption-key-file, encryption-key-command or PITR_ENCRYPTION_KEY (see README, Encryption);"
                + " nothing was written");
    }

    private void checkWritable() {
        if (!writable) {
            if (raw.head(KeyringStore.KEY).isPresent()) {
                throw encrypted();
            }
            writable = true;
        }
    }

    @Override
    public Optional<InputStream> get(String key) {
        return raw.get(key).map(in -> {
            PushbackInputStream peek = new PushbackInputStream(in, ObjectCipher.MAGIC.length);
            try {
                byte[] start = peek.readNBytes(ObjectCipher.MAGIC.length);
                if (ObjectCipher.isEncrypted(start)) {
                    peek.close();
                    throw encrypted();
                }
                peek.unread(start);
                writable = true;
                return peek;
            } catch (IOException e) {
                throw new RepositoryException("cannot read " + key + " from " + url() + ": " + e.getMessage(), e);
            }
        });
    }

    @Override
    public Optional<byte[]> readRange(String key, long offset, int length) {
        if (offset < ObjectCipher.MAGIC.length) {
            raw.readRange(key, 0, ObjectCipher.MAGIC.length).filter(ObjectCipher::isEncrypted).ifPresent(start -> {
                throw encrypted();
            });
        }
        return raw.readRange(key, offset, length);
    }

    @Override
    public void put(String key, byte[] content) {
        checkWritable();
        raw.put(key, content);
    }

    @Override
    public long putStream(String key, InputStream content) {
        checkWritable();
        return raw.putStream(key, content);
    }

    @Override
    public PutOutcome putIfAbsent(String key, byte[] content) {
        checkWritable();
        return raw.putIfAbsent(key, content);
    }

}
