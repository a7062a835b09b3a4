package dev.pitr.repo;

import dev.pitr.core.ExitCode;
import dev.pitr.core.Json;
import dev.pitr.core.StrictJson;
import dev.pitr.core.PitrException;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/** Reads and binds the repository's identity; the guard against archiving one cluster's WAL into another's. */
public final class IdentityStore {
    private final Repository repo;

    public IdentityStore(Repository repo) {
        this.repo = repo;
    }

    public Optional<RepositoryIdentity> read() {
        return repo.getBytes(RepositoryLayout.IDENTITY).map(bytes -> StrictJson.read(bytes, RepositoryIdentity.class,
                RepositoryIdentity.FORMAT_VERSION, "the repository identity " + repo.url() + "/" + RepositoryLayout.IDENTITY));
    }

    /**
     * A repository without its identity but with WAL or backups lost its pitr.json: binding it anew would let
     * any cluster archive into another's history. Another archiver may have bound it and written WAL since this
     * one read no identity (two pushes racing on a new repository): the identity is written before anything
     * else, so it is read again after the listing, and only an identity still absent means damage.
     */
    private Optional<RepositoryIdentity> boundMeanwhileOrRefuseIfDamaged() {
        boolean wal = !repo.listChildren(RepositoryLayout.WAL).isEmpty();
        boolean backups = !repo.listChildren(RepositoryLayout.BACKUPS).isEmpty();
        if (!wal && !backups) {
            return Optional.empty();
        }
        Optional<RepositoryIdentity> meanwhile = read();
        if (meanwhile.isEmpty()) {
            throw PitrException.refused("repository " + repo.url() + " holds " + (wal ? "WAL" : "backups")
                    + " but no identity object (" + RepositoryLayout.IDENTITY + "): it is damaged, and pitr will not bind"
                    + " it to whichever cluster comes first; put " + RepositoryLayout.IDENTITY + " back from a copy (see"
                    + " docs/repository.md); nothing was written");
        }
        return meanwhile;
    }

    /**
     * Returns the repository's identity, creating it from {@code candidate} when the repository is new, and
     * refuses (exit 4) when the repository belongs to another cluster.
     */
    public RepositoryIdentity bind(String systemIdentifier, int pgMajor, int walSegmentSize) {
        RepositoryIdentity existing = read().or(this::boundMeanwhileOrRefuseIfDamaged).orElseGet(() -> {
            RepositoryIdentity fresh = new RepositoryIdentity(RepositoryIdentity.FORMAT_VERSION, systemIdentifier,
                    pgMajor, walSegmentSize, Instant.now());
            try {
                if (repo.putIfAbsent(RepositoryLayout.IDENTITY, Json.mapper().writeValueAsBytes(fresh))
                        == PutOutcome.CREATED) {
                    return fresh;
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return read().orElseThrow(() -> new RepositoryException("repository identity vanished while binding"));
        });
        if (!existing.systemIdentifier().equals(systemIdentifier)) {
            throw PitrException.refused("repository " + repo.url() + " belongs to the cluster with system identifier "
                    + existing.systemIdentifier() + ", but this WAL comes from " + systemIdentifier
                    + ": wrong cluster or wrong repository (check --cluster/--repo); nothing was written");
        }
        if (existing.walSegmentSize() != walSegmentSize || existing.pgMajor() != pgMajor) {
            throw PitrException.refused("repository " + repo.url() + " holds PostgreSQL " + existing.pgMajor()
                    + " WAL with " + existing.walSegmentSize() + "-byte segments, but this is PostgreSQL " + pgMajor
                    + " with " + walSegmentSize + "-byte segments: use a new repository after a major upgrade");
        }
        return existing;
    }
}
