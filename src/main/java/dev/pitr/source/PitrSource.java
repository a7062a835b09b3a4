package dev.pitr.source;

import dev.pitr.backup.BackupCatalog;
import dev.pitr.backup.BackupMetadata;
import dev.pitr.repo.IdentityStore;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryException;
import dev.pitr.repo.RepositoryIdentity;
import dev.pitr.repo.RepositoryLayout;
import dev.pitr.wal.RepositoryWal;
import dev.pitr.wal.SegmentRuns;
import dev.pitr.wal.WalArchive;
import dev.pitr.wal.WalSource;

import java.util.List;
import java.util.Map;

/** pitr's own repository, the one a pitr command may also write (the caller keeps and closes the repository). */
public final class PitrSource implements BackupSource {
    private final Repository repo;

    public PitrSource(Repository repo) {
        this.repo = repo;
    }

    public Repository repository() {
        return repo;
    }

    @Override
    public SourceKind kind() {
        return SourceKind.PITR;
    }

    @Override
    public String location() {
        return repo.url();
    }

    @Override
    public WalSource wal() {
        return new RepositoryWal(repo);
    }

    /** The repository is one pitr made (it has an identity), not a mistyped URL. */
    @Override
    public void probe() {
        if (repo.head(RepositoryLayout.IDENTITY).isEmpty()) {
            throw new RepositoryException("repository " + repo.url() + " has no identity object: wrong repository?");
        }
    }

    @Override
    public Map<String, String> tablespaces(String backupId) {
        return new BackupCatalog(repo).tablespaces(backupId);
    }

    @Override
    public SourceCatalog catalog() {
        var identity = new IdentityStore(repo).read();
        int segmentSize = identity.map(RepositoryIdentity::walSegmentSize).orElse(16 * 1024 * 1024);
        // the backups of the cluster the repository belongs to (one that was reused for another cluster keeps both)
        List<SourceCatalog.Backup> backups = new BackupCatalog(repo).complete().stream()
                .filter(b -> identity.map(i -> i.systemIdentifier().equals(b.systemIdentifier())).orElse(true))
                .map(PitrSource::backup).toList();
        WalArchive wal = new WalArchive(repo);
        List<SourceCatalog.Timeline> timelines = wal.timelines().stream()
                .map(tl -> new SourceCatalog.Timeline(tl, SegmentRuns.of(wal.segments(tl).keySet(), segmentSize)))
                .toList();
        return new SourceCatalog(identity.map(i -> new SourceCatalog.Cluster(i.systemIdentifier(),
                Integer.toString(i.pgMajor()), i.walSegmentSize())), backups, timelines);
    }

    private static SourceCatalog.Backup backup(BackupMetadata b) {
        return new SourceCatalog.Backup(b.id(), "full", new SourceCatalog.Span(b.startLsn(), b.stopLsn(), b.startTime(),
                b.restorableFrom()), b.startSegment(), b.stopSegment(), b.rawBytes());
    }
}
