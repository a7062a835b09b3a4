package dev.pitr.target.wal;

import java.util.Optional;

/**
 * Where a table's files come from for a WAL search: the live server while the table exists there, else a catalog
 * as of before the mistake (a backup restored to its end), which knows a dropped table's files.
 */
@FunctionalInterface
public interface RelationLookup {
    LiveRelations.Lookup lookup(String database, Optional<String> schema, String table);
}
