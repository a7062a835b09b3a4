package dev.pitr.wal;

import dev.pitr.core.PitrException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Archived WAL as its readers need it (the restore's planner and replay, the target search, the table forensics),
 * whoever archived it: pitr's own repository ({@link RepositoryWal}) or another tool's, read through that tool.
 */
public interface WalSource {
    /** Where the WAL is, for messages. */
    String location();

    /** The timelines that hold segments or a history file, oldest first. */
    List<Integer> timelines();

    /** A timeline's segments and when each was stored (to the second at worst): a segment is stored after its records. */
    TreeMap<WalSegmentName, Instant> segments(int timeline);

    /** Whether the timeline's history file is archived. */
    boolean hasHistory(int timeline);

    /**
     * Fetches these WAL files, whole and verified, into {@code dir} (files already there are kept); {@code done}
     * hears the count of files fetched so far. A file the archive does not have is an error.
     */
    void fetchAll(List<String> names, Path dir, int parallel, Consumer<Integer> done);

    default void fetchAll(List<String> names, Path dir, int parallel) {
        fetchAll(names, dir, parallel, n -> { });
    }

    /** A timeline's history file, parsed; empty when the archive holds none (or one that cannot be read). */
    default Optional<HistoryFile> history(int timeline) {
        if (!hasHistory(timeline)) {
            return Optional.empty();
        }
        String name = new WalFileName.TimelineHistory(timeline).fileName();
        try (ScratchDir scratch = ScratchDir.create("pitr-history-")) {
            fetchAll(List.of(name), scratch.path(), 1);
            return Optional.of(HistoryFile.parse(timeline, Files.readAllBytes(scratch.path().resolve(name)),
                    location() + "/" + name));
        } catch (IOException | PitrException unreadable) {
            return Optional.empty(); // 'wal verify --deep' names it
        }
    }

    /**
     * The timeline PostgreSQL's {@code recovery_target_timeline = 'latest'} follows from {@code from}: history
     * files are probed from the next timeline up until one is missing, the last found wins.
     */
    default int latestFrom(int from) {
        int newest = from;
        while (hasHistory(newest + 1)) {
            newest++;
        }
        return newest;
    }

    /**
     * Keeps up to {@code depth} segments after {@code last} fetched into {@code dir} ahead of replay (which is in
     * the segment {@code replayedSegment} says) until closed. An archive that cannot fetch ahead leaves replay to
     * restore_command.
     */
    default WalPrefetcher.Ahead fetchAhead(WalSegmentName last, int segmentSize, Path dir, int depth, int parallel,
                                           LongSupplier replayedSegment) {
        return () -> { };
    }
}
