package dev.pitr.backup;

import com.github.luben.zstd.ZstdInputStream;
import dev.pitr.core.Hashing;
import dev.pitr.core.ObservedInputStream;
import dev.pitr.core.Parallel;
import dev.pitr.core.PitrException;
import dev.pitr.repo.ObjectAuthenticationException;
import dev.pitr.repo.Repository;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code pitr backup verify}: every object of a backup read back from the repository and proven against its
 * metadata without restoring it: the SHA-256 of the bytes as stored (or, for older backups, of the uncompressed
 * stream), the stored and uncompressed sizes, zstd's frame checksums as it decodes, and the manifest's presence.
 * Damage is damage wherever the byte was hit: every such finding is a verification failure (exit 3).
 */
public final class BackupVerifier {
    /** One object that is not what the metadata says. */
    public record Damage(String key, String detail) {
    }

    /** What reading a backup back found. */
    public record Result(String backupId, int objects, long storedBytes, List<Damage> damage) {
        public boolean whole() {
            return damage.isEmpty();
        }
    }

    private final Repository repo;

    public BackupVerifier(Repository repo) {
        this.repo = repo;
    }

    public Result verify(BackupMetadata backup, int parallel) {
        List<Damage> damage = new ArrayList<>();
        Parallel.map(backup.files(), Math.max(1, parallel), this::check).forEach(d -> d.ifPresent(damage::add));
        Optional<byte[]> manifest = repo.getBytes(backup.manifestKey());
        if (manifest.isEmpty()) {
            damage.add(new Damage(backup.manifestKey(), "missing: pg_verifybackup cannot check a restore of it"));
        } else {
            manifestDamage(manifest.get()).ifPresent(why -> damage.add(new Damage(backup.manifestKey(), why)));
        }
        long stored = backup.files().stream().mapToLong(BackupMetadata.BackupFile::storedBytes).sum();
        return new Result(backup.id(), backup.files().size(), stored, List.copyOf(damage));
    }

    /** The backups named, or every complete backup when none is: each read back whole or found damaged. */
    public List<Result> verify(List<String> ids, int parallel) {
        BackupCatalog catalog = new BackupCatalog(repo);
        List<BackupMetadata> backups = ids.isEmpty()
                ? catalog.complete().stream().sorted(java.util.Comparator.comparing(BackupMetadata::stopTime)).toList()
                : ids.stream().map(catalog::require).toList();
        if (backups.isEmpty()) {
            throw PitrException.verification("no complete backup in " + repo.url() + " to verify: take one with 'pitr"
                    + " backup create'");
        }
        return backups.stream().map(b -> verify(b, parallel)).toList();
    }

    /** The newest of {@code backups} (oldest first) that reads back whole, if any. */
    public Optional<Result> newestWhole(List<BackupMetadata> backups, int parallel) {
        for (int i = backups.size() - 1; i >= 0; i--) {
            Result r = verify(backups.get(i), parallel);
            if (r.whole()) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private static final java.util.regex.Pattern MANIFEST_CHECKSUM =
            java.util.regex.Pattern.compile("\n\"Manifest-Checksum\": \"([0-9a-f]{64})\"}\n\\z");

    /**
     * PostgreSQL's backup manifest carries the SHA-256 of everything before its {@code Manifest-Checksum} line:
     * the manifest proves itself, as pg_verifybackup checks it.
     */
    static Optional<String> manifestDamage(byte[] manifest) {
        String text = new String(manifest, java.nio.charset.StandardCharsets.UTF_8);
        java.util.regex.Matcher m = MANIFEST_CHECKSUM.matcher(text);
        if (!m.find()) {
            return Optional.of("does not end with its Manifest-Checksum line: damaged or cut short");
        }
        int covered = text.substring(0, m.start() + 1).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        String actual = Hashing.hex(Hashing.sha256(manifest, 0, covered));
        return actual.equals(m.group(1)) ? Optional.empty()
                : Optional.of("its content does not match its own Manifest-Checksum");
    }

    private Optional<Damage> check(BackupMetadata.BackupFile file) {
        Optional<InputStream> object = repo.get(file.key());
        if (object.isEmpty()) {
            return Optional.of(new Damage(file.key(), "missing from " + repo.url()));
        }
        MessageDigest storedSha = Hashing.sha256();
        MessageDigest rawSha = Hashing.sha256();
        long[] stored = {0};
        long raw;
        try (InputStream in = object.get();
             InputStream storedStream = new ObservedInputStream(in) {
                 @Override
                 protected void observe(byte[] b, int off, int n) {
                     storedSha.update(b, off, n);
                     stored[0] += n;
                 }
             };
             InputStream decoded = new DigestInputStream(new ZstdInputStream(new BufferedInputStream(storedStream, 1 << 16)),
                     rawSha)) {
            raw = decoded.transferTo(OutputStream.nullOutputStream());
            storedStream.transferTo(OutputStream.nullOutputStream()); // what the decoder left is part of the object
        } catch (com.github.luben.zstd.ZstdIOException | com.github.luben.zstd.ZstdException e) {
            return Optional.of(new Damage(file.key(), "does not decode (" + e.getMessage() + ")"));
        } catch (ObjectAuthenticationException e) {
            return Optional.of(new Damage(file.key(), e.getMessage()));
        } catch (IOException e) {
            throw PitrException.io("cannot read backup object " + file.key() + " from " + repo.url() + ": "
                    + e.getMessage(), e);
        }
        List<String> wrong = new ArrayList<>();
        if (stored[0] != file.storedBytes()) {
            wrong.add(stored[0] + " bytes stored, the metadata says " + file.storedBytes());
        }
        if (file.storedSha256() != null && !Hashing.hex(storedSha.digest()).equals(file.storedSha256())) {
            wrong.add("the stored bytes' SHA-256 differs from the metadata's");
        }
        if (raw != file.rawBytes()) {
            wrong.add(raw + " bytes decoded, the metadata says " + file.rawBytes());
        }
        if (file.sha256() != null && !Hashing.hex(rawSha.digest()).equals(file.sha256())) {
            wrong.add("the decoded stream's SHA-256 differs from the metadata's");
        }
        return wrong.isEmpty() ? Optional.empty() : Optional.of(new Damage(file.key(), String.join("; ", wrong)));
    }
}
