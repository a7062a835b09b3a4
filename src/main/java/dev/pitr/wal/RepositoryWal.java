package dev.pitr.wal;

import dev.pitr.repo.Repository;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

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
    public boolean hasHistory(int timeline) {
        return repo.head(WalArchive.keyOf(new WalFileName.TimelineHistory(timeline))).isPresent();
    }

    @Override
    public Optional<HistoryFile> history(int timeline) {
        return new WalArchive(repo).history(timeline);
    }

    @Override
    public void fetchAll(List<String> names, Path dir, int parallel, Consumer<Integer> done) {
        new WalPrefetcher(repo).fetchAll(names, dir, parallel, done);
    }

    @Override
    public WalPrefetcher.Ahead fetchAhead(WalSegmentName last, int segmentSize, Path dir, int depth, int parallel,
                                          LongSupplier replayedSegment) {
        return new WalPrefetcher(repo).fetchAhead(last, segmentSize, dir, depth, parallel, replayedSegment);
    }
}
