package dev.pitr.source;

import dev.pitr.core.Parallel;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Another tool's WAL: listed once (per timeline, with the time each segment was stored), and fetched one file at
 * a time through the tool, several in parallel.
 */
final class ListedWal implements WalSource {
    private final String location;
    private final Supplier<TreeMap<Integer, TreeMap<WalSegmentName, Instant>>> list;
    private final Consumer<Path> prepare;
    private final BiConsumer<String, Path> fetchOne;
    private TreeMap<Integer, TreeMap<WalSegmentName, Instant>> listed;

    /** {@code prepare}: readies the directory for the tool; {@code fetchOne}: fetches NAME to the path given. */
    ListedWal(String location, Supplier<TreeMap<Integer, TreeMap<WalSegmentName, Instant>>> list,
              Consumer<Path> prepare, BiConsumer<String, Path> fetchOne) {
        this.location = location;
        this.list = list;
        this.prepare = prepare;
        this.fetchOne = fetchOne;
    }

    private synchronized TreeMap<Integer, TreeMap<WalSegmentName, Instant>> all() {
        if (listed == null) {
            listed = list.get();
        }
        return listed;
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public List<Integer> timelines() {
        return List.copyOf(all().keySet());
    }

    @Override
    public TreeMap<WalSegmentName, Instant> segments(int timeline) {
        return new TreeMap<>(all().getOrDefault(timeline, new TreeMap<>()));
    }

    @Override
    public void fetchAll(List<String> names, Path dir, int parallel) {
        prepare.accept(dir);
        Parallel.map(names.stream().filter(n -> !Files.exists(dir.resolve(n))).toList(), parallel, name -> {
            fetchOne.accept(name, dir.resolve(name));
            return name;
        });
    }
}
