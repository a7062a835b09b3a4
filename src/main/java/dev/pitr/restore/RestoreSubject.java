package dev.pitr.restore;

import dev.pitr.wal.PinnedTransaction;

import java.util.Optional;

/**
 * What the restore is for: the application's database (where VERIFY runs its checks and where salvage goes),
 * the table that was hit when known, and the transaction the WAL pinned for a target from the log.
 */
public record RestoreSubject(String database, Optional<String> table, Optional<PinnedTransaction> suspect) {
    public RestoreSubject {
        database = database == null ? "postgres" : database;
        table = table == null ? Optional.empty() : table;
        suspect = suspect == null ? Optional.empty() : suspect;
    }

    public static RestoreSubject of(String database) {
        return new RestoreSubject(database, Optional.empty(), Optional.empty());
    }
}
