package dev.pitr.repo;

import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A repository that hands every call to another: a decorator overrides only what it changes. */
public abstract class ForwardingRepository implements Repository {
    protected final Repository raw;

    protected ForwardingRepository(Repository raw) {
        this.raw = raw;
    }

    @Override
    public String url() {
        return raw.url();
    }

    @Override
    public Optional<InputStream> get(String key) {
        return raw.get(key);
    }

    @Override
    public Optional<byte[]> readRange(String key, long offset, int length) {
        return raw.readRange(key, offset, length);
    }

    @Override
    public void put(String key, byte[] content) {
        raw.put(key, content);
    }

    @Override
    public long putStream(String key, InputStream content) {
        return raw.putStream(key, content);
    }

    @Override
    public PutOutcome putIfAbsent(String key, byte[] content) {
        return raw.putIfAbsent(key, content);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        return raw.head(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return raw.list(prefix);
    }

    @Override
    public List<String> listChildren(String prefix) {
        return raw.listChildren(prefix);
    }

    @Override
    public void delete(String key) {
        raw.delete(key);
    }

    @Override
    public Optional<Boolean> conditionalWritesHonoured() {
        return raw.conditionalWritesHonoured();
    }

    @Override
    public int removeStaleTemps(Duration age) {
        return raw.removeStaleTemps(age);
    }

    @Override
    public void close() {
        raw.close();
    }
}
