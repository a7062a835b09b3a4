package dev.pitr.source;

import dev.pitr.backup.BackupCatalog;
import dev.pitr.backup.BackupMetadata;
import dev.pitr.repo.IdentityStore;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryIdentity;
import dev.pitr.wal.RepositoryWal;
import dev.pitr.wal.SegmentRuns;
import dev.pitr.wal.WalArchive;
import dev.pitr.wal.WalSource;

import java.util.List;

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

    @Override
    public SourceCatalog catalog() {
        var identity = new IdentityStore(repo).read();
        int segmentSize = identity.map(RepositoryIdentity::walSegmentSize).orElse(16 * 1024 * 1024);
        List<SourceCatalog.Backup> backups = new BackupCatalog(repo).complete().stream().map(PitrSource::backup).toList();
        WalArchive wal = new WalArchive(repo);
        List<SourceCatalog.Timeline> timelines = wal.timelines().stream()
                .map(tl -> new SourceCatalog.Timeline(tl, SegmentRuns.of(wal.segments(tl).keySet(), segmentSize)))
                .toList();
        return new SourceCatalog(identity.map(i -> new SourceCatalog.Cluster(i.systemIdentifier(),
                Integer.toString(i.pgMajor()))), backups, timelines);
    }

    private static SourceCatalog.Backup backup(BackupMetadata b) {
        return new SourceCatalog.Backup(b.id(), "full", new SourceCatalog.Span(b.startLsn(), b.stopLsn(), b.startTime(),
                b.stopTime()), b.startSegment(), b.stopSegment(), b.databaseSize());
    }
}
