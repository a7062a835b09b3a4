package dev.pitr.source;

import dev.pitr.core.Parallel;
import dev.pitr.wal.WalListing;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Another tool's WAL: listed once (per timeline, with the time each segment was stored), and fetched one file at
 * a time through the tool, several in parallel.
 */
final class ListedWal implements WalSource {
    private final String location;
    private final Supplier<WalListing> list;
    private final Consumer<Path> prepare;
    private final BiConsumer<String, Path> fetchOne;
    private WalListing listed;

    /** {@code prepare}: readies the directory for the tool; {@code fetchOne}: fetches NAME to the path given. */
    ListedWal(String location, Supplier<WalListing> list,
              Consumer<Path> prepare, BiConsumer<String, Path> fetchOne) {
        this.location = location;
        this.list = list;
        this.prepare = prepare;
        this.fetchOne = fetchOne;
    }

    private synchronized WalListing all() {
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
        TreeSet<Integer> timelines = new TreeSet<>(all().segments().keySet());
        timelines.addAll(all().histories()); // a timeline begun but with no whole segment archived yet
        return List.copyOf(timelines);
    }

    @Override
    public TreeMap<WalSegmentName, Instant> segments(int timeline) {
        return new TreeMap<>(all().segments().getOrDefault(timeline, new TreeMap<>()));
    }

    @Override
    public boolean hasHistory(int timeline) {
        return all().histories().contains(timeline);
    }

    @Override
    public void fetchAll(List<String> names, Path dir, int parallel, Consumer<Integer> done) {
        prepare.accept(dir);
        AtomicInteger fetched = new AtomicInteger(names.size() - (int) names.stream().filter(n -> !Files.exists(dir.resolve(n))).count());
        Parallel.map(names.stream().filter(n -> !Files.exists(dir.resolve(n))).toList(), parallel, name -> {
            fetchOne.accept(name, dir.resolve(name));
            done.accept(fetched.incrementAndGet());
            return name;
        });
    }
}
