package dev.pitr.verify;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pitr.core.PitrException;

import java.util.Optional;

/**
 * One expectation about a restored copy, as a team keeps it in its checks file (YAML):
 * <pre>
 * checks:
 *   - name: the migration table is back
 *     table_exists: public.temp_migration_backup
 *   - row_count: {table: temp_migration_backup, at_least: 5000}
 *   - query: SELECT max(id) FROM orders
 *     equals: "250"
 *   - amcheck: true
 *   - query: SELECT count(*) FROM pg_stat_user_tables
 *     database: reporting          # each check may name its database (default: the run's --database)
 * </pre>
 */
public record Check(@JsonProperty("name") String name,
                    @JsonProperty("table_exists") String tableExists,
                    @JsonProperty("row_count") RowCount rowCount,
                    @JsonProperty("query") String query,
                    @JsonProperty("equals") String equalsValue,
                    @JsonProperty("amcheck") Boolean amcheck,
                    @JsonProperty("database") String database) {

    /** Row count bounds: exact, at_least, at_most (any combination). */
    public record RowCount(@JsonProperty("table") String table, @JsonProperty("exact") Long exact,
                           @JsonProperty("at_least") Long atLeast, @JsonProperty("at_most") Long atMost) {
    }

    public static Check queryIsTrue(String sql) {
        return new Check(null, null, null, sql, "t", null, null);
    }

    public static Check amcheckAll() {
        return new Check("amcheck on every B-tree index", null, null, null, null, true, null);
    }

    public String displayName() {
        String in = database == null ? "" : " [" + database + "]";
        return plainName() + in;
    }

    private String plainName() {
        if (name != null) {
            return name;
        }
        if (tableExists != null) {
            return "table " + tableExists + " exists";
        }
        if (rowCount != null) {
            return "rows in " + rowCount.table();
        }
        if (Boolean.TRUE.equals(amcheck)) {
            return "amcheck on every B-tree index" + (database == null ? " of every database" : "");
        }
        return query;
    }

    /** Refuses a check that says nothing (a typo in the checks file should not pass silently). */
    public Check validated(String where) {
        int kinds = (tableExists != null ? 1 : 0) + (rowCount != null ? 1 : 0) + (query != null ? 1 : 0)
                + (Boolean.TRUE.equals(amcheck) ? 1 : 0);
        if (kinds != 1) {
            throw PitrException.usage(where + ": check '" + Optional.ofNullable(name).orElse("?")
                    + "' must have exactly one of table_exists, row_count, query, amcheck");
        }
        if (rowCount != null && (rowCount.table() == null
                || rowCount.exact() == null && rowCount.atLeast() == null && rowCount.atMost() == null)) {
            throw PitrException.usage(where + ": row_count needs a table and one of exact, at_least, at_most");
        }
        return this;
    }
}
