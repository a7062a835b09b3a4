package dev.pitr.source;

/** Which tool wrote a repository, and so which tool may write it: pitr writes only its own. */
public enum SourceKind {
    PITR("pitr", "pitr wal push / backup create / expire"),
    PGBACKREST("pgBackRest", "pgbackrest archive-push / backup / expire"),
    BARMAN_CLOUD("Barman", "barman-cloud-wal-archive / barman-cloud-backup / barman-cloud-backup-delete");

    private final String tool;
    private final String writers;

    SourceKind(String tool, String writers) {
        this.tool = tool;
        this.writers = writers;
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
