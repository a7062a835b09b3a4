package dev.pitr.target.wal;

import dev.pitr.wal.RelFileNode;

import dev.pitr.core.PitrException;
import dev.pitr.pg.PgConnection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What the live server says about a table the WAL search needs: its database's OID and the files (every leaf
 * partition's) its rows live in. Mid-incident the primary usually still runs; when it does not, the search says so.
 */
public final class LiveRelations {
    /** The answer, or why there is none ({@code files} empty: the table is not there, e.g. dropped). */
    public record Lookup(Optional<Long> databaseOid, Set<RelFileNode> files, String note) {
    }

    private LiveRelations() {
    }

    /** Looks {@code schema.table} (schema empty: the search_path) up in {@code database} on {@code server}. */
    public static Lookup of(PgConnection server, String database, Optional<String> schema, String table) {
        PgConnection db = server.withDatabase(database);
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("SET lock_timeout = 2000");
            st.execute("SET statement_timeout = 10000");
            long dbOid;
            try (ResultSet rs = st.executeQuery("SELECT oid FROM pg_database WHERE datname = current_database()")) {
                rs.next();
                dbOid = rs.getLong(1);
            }
            String qualified = schema.map(s -> quote(s) + ".").orElse("") + quote(table);
            Set<RelFileNode> files = new LinkedHashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(nullif(c.reltablespace, 0), "
                    + "(SELECT dattablespace FROM pg_database WHERE datname = current_database())), "
                    + "pg_relation_filenode(c.oid) FROM pg_class c WHERE c.oid = to_regclass(?) OR c.oid IN "
                    + "(SELECT relid FROM pg_partition_tree(to_regclass(?)) WHERE isleaf)")) {
                ps.setString(1, qualified);
                ps.setString(2, qualified);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long node = rs.getLong(2);
                        if (!rs.wasNull()) {
                            files.add(new RelFileNode(rs.getLong(1), dbOid, node));
                        }
                    }
                }
            }
            String where = "database " + database + " (OID " + dbOid + ") on the live server " + server.host() + ":"
                    + server.port();
            return new Lookup(Optional.of(dbOid), files, files.isEmpty()
                    ? "the table " + qualified + " does not exist in " + where
                    : "pg_relation_filenode of " + qualified + " in " + where);
        } catch (SQLException | PitrException e) {
            return new Lookup(Optional.empty(), Set.of(), "the live server " + db + " did not answer ("
                    + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    private static String quote(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }
}
