package dev.pitr.wal;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;

/**
 * Archived WAL as the readers of WAL need it (the target search, the table forensics), whoever archived it:
 * pitr's own repository ({@link RepositoryWal}) or another tool's, read through that tool.
 */
public interface WalSource {
    /** Where the WAL is, for messages. */
    String location();

    /** The timelines that hold segments, oldest first. */
    List<Integer> timelines();

    /** A timeline's segments and when each was stored (to the second at worst): a segment is stored after its records. */
    TreeMap<WalSegmentName, Instant> segments(int timeline);

    /** Fetches these WAL files, whole and verified, into {@code dir} (files already there are kept). */
    void fetchAll(List<String> names, Path dir, int parallel);
}
