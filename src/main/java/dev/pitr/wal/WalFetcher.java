package dev.pitr.wal;

import dev.pitr.repo.IdentityStore;
import dev.pitr.repo.RepositoryIdentity;
import dev.pitr.core.AtomicFiles;
import dev.pitr.core.PitrException;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryException;
import dev.pitr.repo.RepositoryLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code restore_command}: fetches one WAL file into the path PostgreSQL asked for. A prefetch spool (filled by
 * the restore's PREFETCH_WAL step) is read first, so replay does not wait on the repository.
 */
public final class WalFetcher {
    private final Repository repo;
    private final Optional<Path> spool;
    private final Consumer<String> verbose;

    public WalFetcher(Repository repo, Optional<Path> spool, Consumer<String> verbose) {
        this.repo = repo;
        this.spool = spool;
        this.verbose = verbose;
    }

    /** Returns false when the repository has no such file (PostgreSQL probes for files that may not exist). */
    public boolean fetch(String fileName, Path destination) {
        WalFileName file = WalFileName.parseOrThrow(fileName);
        if (fetchFromSpool(file, destination)) {
            return true;
        }
        String key = WalArchive.keyOf(file);
        Optional<byte[]> object = repo.getBytes(key);
        if (object.isEmpty()) {
            return false;
        }
        byte[] raw = decodeOrThrow(key, object.get());
        checkSegment(file, key, raw);
        write(destination, raw);
        verbose.accept(fileName + ": fetched " + key + " (" + raw.length + " bytes, checksum verified)");
        return true;
    }

    /** Decodes a stored WAL object, refusing anything whose checksum or length does not match. */
    public byte[] decodeOrThrow(String key, byte[] object) {
        try {
            return WalObjectFormat.decode(object);
        } catch (WalObjectFormat.CorruptObjectException e) {
            throw new RepositoryException(repo.url() + "/" + key + " is damaged: " + e.getMessage()
                    + "; it was not handed to PostgreSQL (run 'pitr wal verify --deep')");
        }
    }

    private Optional<String> systemIdentifier;

    /**
     * A segment must be this repository's cluster's WAL at the position its name says: PostgreSQL, handed another
     * cluster's segment, retries it forever ("WAL file is from different database system").
     */
    public void checkSegment(WalFileName file, String key, byte[] raw) {
        if (!(file instanceof WalFileName.Segment s)) {
            return;
        }
        if (systemIdentifier == null) {
            systemIdentifier = new IdentityStore(repo).read().map(RepositoryIdentity::systemIdentifier);
        }
        String what = repo.url() + "/" + key;
        try {
            WalPageHeader h = WalPageHeader.read(raw, what);
            h.checkMatches(s.segment(), raw.length, what);
            if (systemIdentifier.isPresent() && !systemIdentifier.get().equals(h.systemIdentifierText())) {
                throw new RepositoryException(what + " holds WAL of the cluster with system identifier "
                        + h.systemIdentifierText() + ", not this repository's " + systemIdentifier.get()
                        + "; it was not handed to PostgreSQL (run 'pitr wal verify --deep')");
            }
        } catch (PitrException wrong) {
            throw new RepositoryException(wrong.getMessage() + "; it was not handed to PostgreSQL (run 'pitr wal verify --deep')");
        }
    }

    /** Spool entries are verified raw files written by the prefetcher; they are moved, so each serves once. */
    private boolean fetchFromSpool(WalFileName file, Path destination) {
        if (spool.isEmpty()) {
            return false;
        }
        Path spooled = SpoolLayout.prefetched(spool.get(), file.fileName());
        if (!Files.isRegularFile(spooled)) {
            return false;
        }
        try {
            try (var in = Files.newInputStream(spooled)) {
                AtomicFiles.copy(in, destination);
            }
            verbose.accept(file.fileName() + ": served from spool " + spool.get());
            return true;
        } catch (IOException e) {
            verbose.accept(file.fileName() + ": spool copy unusable (" + e.getMessage() + "), using the repository");
            return false;
        }
    }

    private static void write(Path destination, byte[] raw) {
        try {
            AtomicFiles.write(destination, raw);
        } catch (IOException e) {
            throw PitrException.io("cannot write " + destination + ": " + e.getMessage(), e);
        }
    }
}
