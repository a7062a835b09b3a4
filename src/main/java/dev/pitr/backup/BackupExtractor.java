package dev.pitr.backup;

import dev.pitr.core.ProgressBar;
import com.github.luben.zstd.ZstdInputStream;
import dev.pitr.core.ExitCode;
import dev.pitr.core.Hashing;
import dev.pitr.core.PitrException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;

/**
 * Extracts a stored backup tar into PGDATA as it downloads (no compressed copy on disk). Only directories
 * and regular files inside PGDATA are accepted: '..', absolute names, links and device files are rejected,
 * and the SHA-256 of the whole stream must match the backup's metadata.
 */
public final class BackupExtractor {
    private static final int MAX_NAME = 1024;

    private BackupExtractor() {
    }

    /** Returns the number of raw (uncompressed) bytes read. */
    public static long extract(InputStream stored, BackupMetadata.BackupFile file, Path pgdata) {
        return extract(stored, file, pgdata, ProgressBar.NONE);
    }

    public static long extract(InputStream stored, BackupMetadata.BackupFile file, Path pgdata, ProgressBar bar) {
        return extract(stored, file, pgdata, bar, Optional.empty());
    }

    /**
     * Restore into an older copy of the cluster: every path the backup has is recorded, a file that exists is
     * compared block by block and only differing blocks are written, so an unchanged relation costs a read.
     */
    public static final class Delta { // shared by the parts of a backup, extracted side by side
        private final Set<Path> listed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final java.util.concurrent.atomic.AtomicLong reused = new java.util.concurrent.atomic.AtomicLong();

        public long reusedBytes() {
            return reused.get();
        }

        /** Removes what the backup does not have (stale relations, old WAL); returns the number of files removed. */
        public long removeUnlisted(Path pgdata) {
            Path root = pgdata.toAbsolutePath().normalize();
            long[] removed = new long[1];
            try (Stream<Path> walk = Files.walk(root)) {
                walk.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(root) && !listed.contains(p)).forEach(p -> {
                    try {
                        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                            removed[0]++;
                        }
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (IOException | UncheckedIOException e) {
                throw PitrException.io("cannot remove stale files from " + root + ": " + e.getMessage(), e);
            }
            return removed[0];
        }

        private void rewriteChanged(InputStream content, Path target) throws IOException {
            byte[] incoming = new byte[1 << 16];
            ByteBuffer existing = ByteBuffer.allocate(1 << 16);
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                long pos = 0;
                int n;
                while ((n = content.readNBytes(incoming, 0, incoming.length)) > 0) {
                    existing.clear().limit(n);
                    while (existing.hasRemaining() && ch.read(existing, pos + existing.position()) > 0) {
                        // fill the block from the file as it is
                    }
                    if (existing.position() == n && Arrays.equals(incoming, 0, n, existing.array(), 0, n)) {
                        reused.addAndGet(n);
                    } else {
                        ch.write(ByteBuffer.wrap(incoming, 0, n), pos);
                    }
                    pos += n;
                }
                ch.truncate(pos);
            }
        }
    }

    public static long extract(InputStream stored, BackupMetadata.BackupFile file, Path pgdata, ProgressBar bar,
                               Optional<Delta> delta) {
        return extract(stored, file, pgdata, bar, delta, 1);
    }

    /**
     * {@code parallel}: writer threads. The stream is decoded, hashed and parsed in this thread; file contents go
     * to the writers in chunks (bounded memory), every chunk of one file to the same writer, in order.
     */
    public static long extract(InputStream stored, BackupMetadata.BackupFile file, Path pgdata, ProgressBar bar,
                               Optional<Delta> delta, int parallel) {
        // what proves the object: the SHA-256 of the bytes as stored (zstd checks each frame's content checksum
        // as it decodes), or for older backups the SHA-256 of the uncompressed stream
        boolean storedDigest = file.storedSha256() != null;
        MessageDigest sha = Hashing.sha256();
        long[] count = new long[1];
        Path root = pgdata.toAbsolutePath().normalize();
        InputStream object = storedDigest ? new DigestInputStream(stored, sha) : stored;
        InputStream decoded;
        try {
            decoded = new java.io.BufferedInputStream(new ZstdInputStream(new java.io.BufferedInputStream(object, 1 << 16)),
                    1 << 18);
        } catch (IOException e) {
            throw PitrException.io("cannot read backup object " + file.key() + ": " + e.getMessage(), e);
        }
        try (InputStream raw = new dev.pitr.core.ObservedInputStream(storedDigest ? decoded
                : new DigestInputStream(decoded, sha)) {
            @Override
            protected void observe(byte[] b, int off, int n) {
                count[0] += n;
                if ((count[0] & 0xFFFFF) < n) { // about once per MiB
                    bar.update(count[0], file.rawBytes());
                }
            }
        }) {
            TarArchiveInputStream tar = new TarArchiveInputStream(raw, 1 << 16);
            try (FileWriters writers = new FileWriters(delta.isPresent() ? 0 : parallel)) {
                TarArchiveEntry entry;
                Set<Path> made = new HashSet<>();
                while ((entry = tar.getNextEntry()) != null) {
                    Path target = safeTarget(root, entry);
                    delta.ifPresent(d -> d.listed.add(target));
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                        made.add(target);
                    } else if (delta.isPresent() && Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                        delta.get().rewriteChanged(tar, target);
                    } else {
                        if (made.add(target.getParent())) {
                            Files.createDirectories(target.getParent());
                        }
                        writers.write(target, tar);
                    }
                }
                writers.finish();
            }
            raw.transferTo(OutputStream.nullOutputStream());
            object.transferTo(OutputStream.nullOutputStream()); // whatever the decoder left is part of the object
            bar.finish();
        } catch (com.github.luben.zstd.ZstdIOException e) { // a frame's content checksum, or bytes zstd cannot decode
            throw new PitrException(ExitCode.VERIFICATION_FAILED, "backup object " + file.key() + " is damaged ("
                    + e.getMessage() + "): choose another backup", e);
        } catch (IOException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("No space left")) {
                throw PitrException.io("disk full while extracting " + file.key() + " into " + pgdata
                        + ": free space, then 'pitr restore resume'", e);
            }
            throw PitrException.io("cannot extract backup object " + file.key() + ": " + msg, e);
        }
        String actual = Hashing.hex(sha.digest());
        String expected = storedDigest ? file.storedSha256() : file.sha256();
        if (!actual.equals(expected) || count[0] != file.rawBytes()) {
            throw new PitrException(ExitCode.VERIFICATION_FAILED, "backup object " + file.key()
                    + " does not match its metadata (" + (storedDigest ? "stored sha256 " : "sha256 ") + actual + ", "
                    + count[0] + " bytes; expected " + expected + ", " + file.rawBytes()
                    + " bytes): the backup is damaged, choose another");
        }
        return count[0];
    }

    static Path safeTarget(Path root, TarArchiveEntry entry) {
        String name = entry.getName();
        if (name.length() > MAX_NAME || name.startsWith("/") || name.contains("\0")) {
            throw reject(entry, "absolute or oversized name");
        }
        byte type = entry.getLinkFlag();
        boolean regular = type == TarArchiveEntry.LF_NORMAL || type == TarArchiveEntry.LF_OLDNORM
                || type == TarArchiveEntry.LF_CONTIG;
        if (!(entry.isDirectory() || regular)) {
            throw reject(entry, "only directories and regular files are restored (links, devices are not)");
        }
        Path target = root.resolve(name).normalize();
        if (!target.startsWith(root) || target.equals(root) && !entry.isDirectory()) {
            throw reject(entry, "it points outside the data directory");
        }
        return target;
    }

    private static PitrException reject(TarArchiveEntry entry, String why) {
        return new PitrException(ExitCode.VERIFICATION_FAILED, "backup tar entry '" + entry.getName()
                + "' rejected: " + why);
    }
}
