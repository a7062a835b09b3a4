package dev.pitr.restore;

import dev.pitr.core.PitrException;
import dev.pitr.wal.WalPageHeader;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The WAL in a data directory that exists nowhere else: segments PostgreSQL marked {@code .ready} but never
 * archived, and segments written under their own name (not recycled ones, whose header names another
 * position) that the repository does not hold. Replacing such a directory would lose committed data.
 */
final class UnarchivedWal {
    private UnarchivedWal() {
    }

    static List<String> in(Path pgdata, String systemIdentifier, WalSource archive) {
        Map<Integer, Set<WalSegmentName>> archived = new HashMap<>();
        List<String> out = new ArrayList<>();
        Path wal = pgdata.resolve("pg_wal");
        try (Stream<Path> ready = Files.isDirectory(wal.resolve("archive_status"))
                ? Files.list(wal.resolve("archive_status")) : Stream.empty()) {
            ready.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ready"))
                    .map(n -> n.substring(0, n.length() - ".ready".length())).sorted().forEach(out::add);
        } catch (IOException e) {
            throw PitrException.io("cannot read " + wal.resolve("archive_status") + ": " + e.getMessage(), e);
        }
        try (Stream<Path> files = Files.isDirectory(wal) ? Files.list(wal) : Stream.empty()) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                var segment = WalSegmentName.parse(name);
                if (segment.isEmpty() || out.contains(name) || !writtenAsItself(f, segment.get(), systemIdentifier)) {
                    continue;
                }
                if (!archived.computeIfAbsent(segment.get().timeline(), tl -> archive.segments(tl).keySet())
                        .contains(segment.get())) {
                    out.add(name);
                }
            }
        } catch (IOException e) {
            throw PitrException.io("cannot read " + wal + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Its header says it is this cluster's WAL at the position its name gives (a recycled file says otherwise). */
    private static boolean writtenAsItself(Path f, WalSegmentName name, String systemIdentifier) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(f)) {
            head = in.readNBytes(WalPageHeader.LENGTH);
        }
        try {
            WalPageHeader h = WalPageHeader.read(head, f.toString());
            return h.systemIdentifierText().equals(systemIdentifier) && h.timelineFits(name)
                    && Integer.bitCount(h.segmentSize()) == 1 && h.pageAddress() == name.startLsn(h.segmentSize()).value();
        } catch (PitrException notWal) {
            return false;
        }
    }
}
