package dev.pitr.source;

import dev.pitr.core.Parallel;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.wal.FetchAhead;
import dev.pitr.wal.WalListing;
import dev.pitr.wal.WalPrefetcher;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Another tool's WAL: listed once (per timeline, with the time each segment was stored), and fetched one file at
 * a time through the tool, several in parallel.
 */
final class ListedWal implements WalSource {
    /** Where fetch-ahead lets the tool write, inside the spool, before a segment is renamed into place. */
    private static final String STAGING = "ahead.staging";
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

    /** The listing, read once. */
    synchronized WalListing all() {
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

    /**
     * Replay's next listed segments, fetched through the tool into a staging directory of the spool and renamed
     * into place whole (the copy's restore_command takes any file of the spool the server user owns), so that
     * replay does not wait for the tool once per segment.
     */
    @Override
    public WalPrefetcher.Ahead fetchAhead(WalSegmentName last, int segmentSize, Path dir, int depth, int parallel,
                                          LongSupplier replayedSegment) {
        Path staging = dir.resolve(STAGING);
        try {
            Files.createDirectories(staging);
        } catch (IOException e) {
            return () -> { }; // restore_command fetches every segment itself
        }
        prepare.accept(staging);
        TreeMap<WalSegmentName, Instant> listed = segments(last.timeline());
        return FetchAhead.start(last, segmentSize, depth, parallel, replayedSegment, name -> {
            Path target = dir.resolve(name);
            if (Files.exists(target)) {
                return Optional.of(0L);
            }
            if (!listed.containsKey(WalSegmentName.parse(name).orElseThrow())) {
                return Optional.empty(); // past what the tool has archived
            }
            Path fetched = staging.resolve(name);
            fetchOne.accept(name, fetched);
            ProcessRunner.giveToServerUser(fetched);
            long size = Files.size(fetched);
            Files.move(fetched, target, StandardCopyOption.ATOMIC_MOVE);
            return Optional.of(size);
        });
    }

    @Override
    public void fetchAll(List<String> names, Path dir, int parallel, Consumer<Integer> done) {
        prepare.accept(dir);
        List<String> missing = names.stream().filter(n -> !Files.exists(dir.resolve(n))).toList();
        AtomicInteger present = new AtomicInteger(names.size() - missing.size());
        if (missing.isEmpty()) {
            done.accept(present.get()); // all there already (fetched early): said once
        }
        Parallel.map(missing, parallel, name -> {
            fetchOne.accept(name, dir.resolve(name));
            done.accept(present.incrementAndGet());
            return name;
        });
    }
}
