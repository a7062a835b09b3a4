package dev.pitr.wal;

import dev.pitr.repo.Repository;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;

/** The WAL in pitr's own repository. */
public final class RepositoryWal implements WalSource {
    private final Repository repo;

    public RepositoryWal(Repository repo) {
        this.repo = repo;
    }

    @Override
    public String location() {
        return repo.url();
    }

    @Override
    public List<Integer> timelines() {
        return new WalArchive(repo).timelines();
    }

    @Override
    public TreeMap<WalSegmentName, Instant> segments(int timeline) {
        TreeMap<WalSegmentName, Instant> out = new TreeMap<>();
        new WalArchive(repo).segments(timeline).forEach((name, o) -> out.put(name, o.lastModified()));
        return out;
    }

    @Override
    public void fetchAll(List<String> names, Path dir, int parallel) {
        new WalPrefetcher(repo).fetchAll(names, dir, parallel, n -> { });
    }
}
