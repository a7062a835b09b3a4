package dev.pitr.source;

import dev.pitr.core.PitrException;
import dev.pitr.wal.WalSource;

import java.util.Map;
import java.util.Optional;

/**
 * Where backups and WAL come from, whoever wrote them: pitr's own repository, pgBackRest's, Barman's. One
 * implementation per tool, each reading through the tool's documented interfaces; pitr writes only its own.
 * The restore, the target search and the drill are written against this, so a new tool (WAL-G, a Barman
 * server over SSH) is one more implementation, not a fork.
 */
public sealed interface BackupSource extends AutoCloseable permits PitrSource, ToolSource {
    SourceKind kind();

    /** The location as the user gave it, with no credentials in it. */
    String location();

    /** What backups and WAL the repository holds, as its tool reports them. */
    SourceCatalog catalog();

    /** Its archived WAL, for the readers of WAL (the restore, the target search, the table forensics). */
    WalSource wal();

    /**
     * Checks that the repository answers and is what it claims to be (before a restore writes anything, and
     * before a resume): a mistyped location is refused here, not half way through a restore.
     */
    void probe();

    /** Where a backup's tablespaces were, by OID, when the repository records it; empty when it does not. */
    default Map<String, String> tablespaces(String backupId) {
        return Map.of();
    }

    /**
     * The archive_command that archives into this repository, when the source can say it by itself (another
     * tool's: its own command); pitr's depends on where pitr is installed and configured, which the caller knows.
     */
    default Optional<String> archiveCommand() {
        return Optional.empty();
    }

    /** Refuses a command that would write into a repository pitr does not own (exit 2), before anything runs. */
    default void requireWritable(String command) {
        if (kind() != SourceKind.PITR) {
            throw refusal(kind(), location(), command);
        }
    }

    static PitrException refusal(SourceKind kind, String location, String command) {
        return PitrException.usage(location + " is " + kind.tool() + "'s repository: pitr reads it and never writes"
                + " it, so '" + command + "' is refused (" + kind.tool() + " writes it: " + kind.writers() + ")");
    }

    @Override
    default void close() {
    }
}
