package dev.pitr.source;

/** Which tool wrote a repository, and so which tool may write it: pitr writes only its own. */
public enum SourceKind {
    PITR("pitr", "pitr wal push / backup create / expire", "wal push"),
    PGBACKREST("pgBackRest", "pgbackrest archive-push / backup / expire", "archive-push"),
    BARMAN_CLOUD("Barman", "barman-cloud-wal-archive / barman-cloud-backup / barman-cloud-backup-delete",
            "barman-cloud-wal-archive");

    private final String tool;
    private final String writers;
    private final String archiver;

    SourceKind(String tool, String writers, String archiver) {
        this.tool = tool;
        this.writers = writers;
        this.archiver = archiver;
    }

    /** What an archive_command that archives into such a repository contains. */
    public String archiver() {
        return archiver;
    }

    /** The tool's name as its users know it. */
    public String tool() {
        return tool;
    }

    /** The commands that write such a repository. */
    public String writers() {
        return writers;
    }
}
