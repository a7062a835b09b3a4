package dev.pitr.wal;

import dev.pitr.pg.PgBinaries;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads a timeline's archived segments forward through pg_waldump, {@link #CHUNK} segments at a time (fetched
 * into a temporary directory that holds only the chunk being read), resuming after the last record read so a
 * record that crosses a chunk's end is read whole. It stops where the reader says, at the end of the archive,
 * at a gap, or where the WAL stops making progress (damaged).
 */
public final class ArchiveReader {
    /** Segments fetched and read per pg_waldump run. */
    static final int CHUNK = 16;

    /** Receives every record with the segments read so far (from the first), and says whether to go on. */
    public interface RecordReader {
        boolean offer(WaldumpRecord record, List<WalSegmentName> readSoFar);
    }

    /** How far the reading got: the segments read, and whether it ended at a gap or damage before the end. */
    public record Read(List<WalSegmentName> segments, boolean stoppedShort) {
    }

    private final WalSource wal;
    private final PgBinaries bins;

    public ArchiveReader(WalSource wal, PgBinaries bins) {
        this.wal = wal;
        this.bins = bins;
    }

    /** Reads {@code names} (one timeline's, in order) from index {@code first}; {@code progress} hears each chunk. */
    public Read read(List<WalSegmentName> names, int first, RecordReader reader, Consumer<List<WalSegmentName>> progress) {
        try (ScratchDir scratch = ScratchDir.create("pitr-waldump-")) {
            Path dir = scratch.path();
            int start = first;
            Optional<Lsn> resume = Optional.empty();
            boolean[] going = {true};
            List<WalSegmentName> read = List.of();
            while (start < names.size() && going[0]) {
                List<WalSegmentName> chunk = contiguous(names, start, CHUNK);
                wal.fetchAll(chunk.stream().map(WalSegmentName::toString).toList(), dir, 4);
                List<WalSegmentName> soFar = names.subList(first, start + chunk.size());
                Optional<Lsn> lastSeen = Waldump.read(bins, dir, chunk.get(0), chunk.get(chunk.size() - 1), resume, r -> {
                    going[0] = reader.offer(r, soFar);
                    return going[0];
                });
                read = soFar;
                if (!going[0]) {
                    break;
                }
                progress.accept(soFar);
                boolean atGap = chunk.size() < CHUNK && start + chunk.size() < names.size()
                        && !contiguousAt(names, start + chunk.size());
                if (lastSeen.isEmpty() || resume.isPresent() && lastSeen.get().compareTo(resume.get()) <= 0 || atGap) {
                    return new Read(read, start + chunk.size() < names.size()); // damaged WAL or a gap: nothing further in order
                }
                int segSize = segmentSize(dir, chunk.get(0));
                WalSegmentName holding = WalSegmentName.containing(chunk.get(0).timeline(), lastSeen.get(), segSize);
                int next = names.indexOf(holding); // the record there may continue into the next chunk
                if (next < start) {
                    next = start + chunk.size();
                }
                removeBefore(dir, names.get(Math.min(next, names.size() - 1)));
                start = next;
                resume = lastSeen;
            }
            return new Read(read, false);
        }
    }

    /** Up to {@code max} names from {@code start} without a gap between them. */
    private static List<WalSegmentName> contiguous(List<WalSegmentName> names, int start, int max) {
        List<WalSegmentName> out = new ArrayList<>(List.of(names.get(start)));
        for (int i = start + 1; i < names.size() && out.size() < max && contiguousAt(names, i); i++) {
            out.add(names.get(i));
        }
        return out;
    }

    private static boolean contiguousAt(List<WalSegmentName> names, int i) {
        WalSegmentName a = names.get(i - 1);
        WalSegmentName b = names.get(i);
        return b.log() == a.log() && b.segmentInLog() == a.segmentInLog() + 1
                || b.log() == a.log() + 1 && b.segmentInLog() == 0;
    }

    private static int segmentSize(Path dir, WalSegmentName segment) {
        try {
            return (int) Files.size(dir.resolve(segment.toString()));
        } catch (IOException e) {
            return 16 << 20;
        }
    }

    private static void removeBefore(Path dir, WalSegmentName keepFrom) {
        try (var files = Files.list(dir)) {
            files.filter(f -> WalSegmentName.parse(f.getFileName().toString()).map(s -> s.compareTo(keepFrom) < 0)
                    .orElse(false)).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // temp files; the final cleanup removes them
        }
    }
}
