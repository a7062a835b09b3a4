package dev.pitr.repo;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An object store holding pitr's archive: keys are '/'-separated paths below the repository root. Every
 * method either does what it says or throws {@link RepositoryException}; a half-written object is never visible
 * under its final key.
 */
public interface Repository extends AutoCloseable {
    /** The URL this repository was opened from, with no credentials in it. */
    String url();

    /** Opens an object for reading, or empty when the key does not exist. */
    Optional<InputStream> get(String key);

    /** Reads {@code length} bytes from {@code offset} (fewer at the end of the object), or empty when absent. */
    Optional<byte[]> readRange(String key, long offset, int length);

    /** Writes (or replaces) an object whose content is known up front. */
    void put(String key, byte[] content);

    /**
     * Streams an object of unknown length (backups): uploaded in parts, visible under {@code key} only once
     * complete. Returns the byte count.
     */
    long putStream(String key, InputStream content);

    /** Creates the object only if no object has that key; never replaces one. */
    PutOutcome putIfAbsent(String key, byte[] content);

    Optional<ObjectInfo> head(String key);

    /** Every object whose key starts with {@code prefix}, in key order. */
    List<ObjectInfo> list(String prefix);

    /** The distinct next path elements below {@code prefix} (a "directory listing"), e.g. timelines below wal/. */
    List<String> listChildren(String prefix);

    void delete(String key);

    /**
     * Whether the store refuses a conditional write over an existing key (S3's {@code If-None-Match: *});
     * empty when it cannot tell. {@link #putIfAbsent} never replaces an object either way; where this is false,
     * two writers racing for one new key may both think they created it.
     */
    default Optional<Boolean> conditionalWritesHonoured() {
        return Optional.empty();
    }

    /**
     * Removes the temp files of writes that were killed before their rename, older than {@code age} (a local
     * store's; an object store never shows an unfinished upload). Returns how many.
     */
    default int removeStaleTemps(Duration age) {
        return 0;
    }

    default Optional<byte[]> getBytes(String key) {
        return get(key).map(in -> {
            try (in) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new RepositoryException("cannot read " + key + " from " + url() + ": " + e.getMessage(), e);
            }
        });
    }

    @Override
    void close();
}
