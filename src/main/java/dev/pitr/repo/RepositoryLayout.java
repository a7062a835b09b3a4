package dev.pitr.repo;

/**
 * The top-level prefixes of a repository (see docs/repository.md). What lives under {@code wal/} is the WAL
 * archive's business ({@code wal.WalArchive}); the repository itself knows objects only.
 */
public final class RepositoryLayout {
    public static final String IDENTITY = "pitr.json";
    public static final String WAL = "wal/";
    public static final String BACKUPS = "backups/";
    public static final String OBJECT_SUFFIX = ".pitr";

    private RepositoryLayout() {
    }
}
