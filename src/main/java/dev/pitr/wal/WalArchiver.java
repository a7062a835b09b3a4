package dev.pitr.wal;

import dev.pitr.core.Hashing;
import dev.pitr.core.PitrException;
import dev.pitr.repo.IdentityStore;
import dev.pitr.repo.PutOutcome;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryException;
import dev.pitr.repo.RepositoryLayout;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * {@code archive_command}: pushes one WAL file into the repository. Returns only once the object is stored
 * under its final key (put-if-absent of the whole object; the store makes it visible atomically), so a 0 exit
 * means PostgreSQL may recycle the file.
 */
public final class WalArchiver {
    /** What a push did. */
    public enum Outcome { ARCHIVED, ALREADY_ARCHIVED, REPAIRED }

    public record PushResult(String fileName, String key, Outcome outcome, long rawBytes, long storedBytes,
                             String sha256) {
    }

    private final Repository repo;
    private final int compressLevel;
    private final Consumer<String> verbose;
    /** Identities already checked against the repository: a long-lived pusher binds once, not per segment. */
    private final Set<String> boundIdentities = ConcurrentHashMap.newKeySet();
    /** Each thread's encoder: the pusher's workers and the per-call command keep theirs for the next segment. */
    private static final ThreadLocal<WalObjectFormat.Encoder> ENCODER =
            ThreadLocal.withInitial(WalObjectFormat.Encoder::new);

    public WalArchiver(Repository repo, int compressLevel, Consumer<String> verbose) {
        this.repo = repo;
        this.compressLevel = compressLevel;
        this.verbose = verbose;
    }

    public PushResult push(Path path) {
        WalFileName file = WalFileName.parseOrThrow(path.getFileName().toString());
        if (file instanceof WalFileName.TimelineHistory h) {
            checkHistory(h, readAll(path), path.toString());
        }
        WalObjectFormat.Encoded encoded = readAndEncode(path);
        checkIdentity(file, encoded, path.toString());
        byte[] object = encoded.object();
        String key = WalArchive.keyOf(file);
        Outcome outcome = repo.putIfAbsent(key, object) == PutOutcome.CREATED
                ? Outcome.ARCHIVED
                : reconcileExisting(file, key, object);
        String sha = Hashing.hex(encoded.sha256());
        verbose.accept(file.fileName() + ": " + outcome.name().toLowerCase().replace('_', ' ') + " as " + key + " ("
                + encoded.rawLength() + " -> " + object.length + " bytes, sha256 " + sha + ")");
        return new PushResult(file.fileName(), key, outcome, encoded.rawLength(), object.length, sha);
    }

    /** The file read once: digested and compressed chunk by chunk with this thread's reusable buffers. */
    private WalObjectFormat.Encoded readAndEncode(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return ENCODER.get().encode(channel, channel.size(), compressLevel, WalPageHeader.LENGTH);
        } catch (NoSuchFileException e) {
            throw missing(path);
        } catch (IOException e) {
            throw PitrException.io("cannot read WAL file " + path + ": " + e.getMessage(), e);
        }
    }

    private static byte[] readAll(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw missing(path);
        } catch (IOException e) {
            throw PitrException.io("cannot read WAL file " + path + ": " + e.getMessage(), e);
        }
    }

    private static PitrException missing(Path path) {
        return PitrException.usage("WAL file " + path + " does not exist (archive_command must pass %p)");
    }

    /** Segments carry their cluster's system identifier: bind the repository to it or refuse a foreign one. */
    private void checkIdentity(WalFileName file, WalObjectFormat.Encoded encoded, String what) {
        Optional<WalSegmentName> segment = file instanceof WalFileName.Segment s ? Optional.of(s.segment())
                : file instanceof WalFileName.Partial p ? Optional.of(p.segment()) : Optional.empty();
        if (segment.isPresent()) {
            WalPageHeader header = WalPageHeader.read(encoded.head(), what);
            header.checkMatches(segment.get(), encoded.rawLength(), what);
            String identity = header.systemIdentifierText() + "/" + header.postgresMajor() + "/" + header.segmentSize();
            synchronized (boundIdentities) { // the pusher's workers: one binds, the others wait and see it bound
                if (!boundIdentities.contains(identity)) {
                    new IdentityStore(repo).bind(header.systemIdentifierText(), header.postgresMajor(),
                            header.segmentSize());
                    boundIdentities.add(identity);
                }
            }
        }
    }

    /**
     * A history file must parse, and must continue its parent's history when the repository holds it: a restore
     * that follows a garbage or foreign history fails much later with "timeline N is not a child".
     */
    private void checkHistory(WalFileName.TimelineHistory file, byte[] raw, String what) {
        HistoryFile history = HistoryFile.parse(file.timeline(), raw, what);
        if (history.parent() == 1) {
            return; // timeline 1 has no history file to agree with
        }
        String parentKey = WalArchive.keyOf(new WalFileName.TimelineHistory(history.parent()));
        repo.getBytes(parentKey).ifPresent(stored -> {
            byte[] bytes;
            try {
                bytes = WalObjectFormat.decode(stored);
            } catch (WalObjectFormat.CorruptObjectException damaged) {
                return; // 'wal verify --deep' reports the damaged parent; it cannot judge this one
            }
            HistoryFile parent = HistoryFile.parse(history.parent(), bytes, parentKey);
            if (!history.continues(parent)) {
                throw PitrException.refused(what + " does not continue the archived history of timeline "
                        + history.parent() + " (" + parentKey + "): it comes from another cluster or another failover;"
                        + " nothing was written");
            }
        });
    }

    /**
     * The key already exists: PostgreSQL re-runs archive_command after a crash, and two archivers may race
     * after a failover. Identical content is success; a damaged stored copy is replaced; different content is
     * refused, because overwriting archived WAL could destroy the only copy of history.
     */
    private Outcome reconcileExisting(WalFileName file, String key, byte[] object) {
        byte[] existing = repo.getBytes(key).orElseThrow(() ->
                new RepositoryException(key + " was reported to exist but cannot be read; retry the push"));
        WalObjectFormat.Header ours;
        try {
            ours = WalObjectFormat.readHeader(object);
        } catch (WalObjectFormat.CorruptObjectException e) {
            throw new IllegalStateException(e);
        }
        try {
            WalObjectFormat.decode(existing);
            WalObjectFormat.Header theirs = WalObjectFormat.readHeader(existing);
            if (theirs.sameContentAs(ours)) {
                return Outcome.ALREADY_ARCHIVED;
            }
            throw PitrException.refused(file.fileName() + " is already archived in " + repo.url()
                    + " with different content (sha256 " + theirs.sha256Hex() + ", this one " + ours.sha256Hex()
                    + "): another cluster may be archiving here; nothing was overwritten");
        } catch (WalObjectFormat.CorruptObjectException e) {
            repo.put(key, object);
            verbose.accept(key + " was damaged in the repository (" + e.getMessage() + "); replaced");
            return Outcome.REPAIRED;
        }
    }
}
