package dev.pitr.source;

import java.nio.file.Path;

/**
 * A repository another tool writes (pgBackRest's, Barman's), which pitr restores from through that tool: the tool
 * restores the backup pitr chose, and the copy's restore_command fetches WAL with the tool. Everything around
 * it (the plan, the recovery settings, replay to the target, the checks, the journal) is pitr's own restore.
 */
public non-sealed interface ToolSource extends BackupSource {
    /** Where the tool restores a backup to and how hard it may work. */
    record BackupDestination(Path pgdata, Path tablespaces, int processMax) {
    }

    /**
     * Restores backup {@code backupId} into {@code to.pgdata()} (an empty directory, or one this restore began to
     * fill), each tablespace into a directory of its own under {@code to.tablespaces()} (never where the cluster
     * keeps its own), writing no recovery target: pitr configures recovery itself.
     */
    void restoreBackup(String backupId, BackupDestination to);

    /**
     * The shell command that fetches WAL file %f into %p through the tool, as the server user runs it for the
     * copy in {@code pgdata} (a tool may check that it runs for the cluster it was configured for).
     */
    String restoreCommand(Path pgdata);
}
