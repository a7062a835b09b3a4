package dev.pitr.salvage;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.target.sql.DestructiveStatement.QualifiedName;
import dev.pitr.pg.PgConnection;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Puts the restored rows back into a live table that still exists and kept receiving writes (the undo of a
 * DELETE or UPDATE without WHERE, or a TRUNCATE): rows whose key is missing there are inserted, rows that
 * differ are counted and updated only with {@code overwrite}, rows written since the incident are never
 * touched, and owned sequences move past the highest value. One transaction; a dry run rolls it back.
 */
public final class MergeService {
    /** {@code key}: the columns rows are matched by (empty: the live table's primary key). */
    public record Request(PgConnection copy, PgConnection live, QualifiedName table, List<String> key,
                          boolean overwrite, boolean dryRun) {
    }

    public record Result(String table, List<String> key, List<String> columns, long restoredRows, long inserted,
                         long differing, long updated, List<String> sequencesMoved, List<String> sampleInserted,
                         List<String> sampleDiffering, List<String> notRestored, boolean applied) {
        public String summary() {
            return (applied ? "" : "dry run (nothing changed): ") + table + ": " + restoredRows + " rows in the restored"
                    + " copy, " + inserted + " missing in the live table " + (applied ? "inserted" : "would be inserted")
                    + ", " + differing + " differ (" + (updated > 0 ? updated + " updated" : "left as they are; --overwrite"
                    + " updates them") + ")" + (sequencesMoved.isEmpty() ? "" : ", sequences moved: " + sequencesMoved);
        }
    }

    private static final int SAMPLE = 5;

    private final Consumer<String> progress;

    public MergeService(Consumer<String> progress) {
        this.progress = progress;
    }

    public Result merge(Request r) {
        String table = SalvageService.ident(Optional.ofNullable(r.table().schema()).orElse("public")) + "."
                + SalvageService.ident(r.table().name());
        try (Connection live = r.live().open(); Connection copy = r.copy().open()) {
            live.setAutoCommit(false);
            try (Statement st = live.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '5s'");
            }
            long oid = oid(live, table).orElseThrow(() -> PitrException.usage("table " + table + " does not exist in the"
                    + " live database: a dropped table comes back with 'pitr salvage --original-name', not --merge"));
            if (oid(copy, table).isEmpty()) {
                throw PitrException.usage("table " + table + " does not exist in the restored copy: check --table and"
                        + " --database");
            }
            Map<String, String> liveColumns = columns(live, table);
            Map<String, String> copyColumns = columns(copy, table);
            List<String> common = liveColumns.keySet().stream().filter(copyColumns::containsKey)
                    .filter(c -> !liveColumns.get(c).startsWith("generated")).toList();
            List<String> notRestored = copyColumns.keySet().stream().filter(c -> !liveColumns.containsKey(c)).toList();
            List<String> key = r.key().isEmpty() ? primaryKey(live, oid) : r.key();
            if (key.isEmpty()) {
                throw PitrException.usage("table " + table + " has no primary key: pass --key COL[,COL] naming a unique"
                        + " key to match the rows by");
            }
            checkUnique(live, oid, key, table);
            if (!common.containsAll(key)) {
                throw PitrException.usage("--key " + String.join(",", key) + ": not columns of " + table + " on both"
                        + " sides (common columns: " + common + ")");
            }
            String cols = common.stream().map(SalvageService::ident).collect(Collectors.joining(", "));
            try (Statement st = live.createStatement()) {
                st.execute("CREATE TEMP TABLE pitr_merge ON COMMIT DROP AS SELECT " + cols + " FROM " + table
                        + " WITH NO DATA");
            }
            long restored = stage(copy, live, table, cols);
            progress.accept("salvage --merge: " + restored + " restored rows of " + table + " staged in the live database");
            String match = key.stream().map(k -> "l." + SalvageService.ident(k) + " = m." + SalvageService.ident(k))
                    .collect(Collectors.joining(" AND "));
            String missing = "FROM pitr_merge m WHERE NOT EXISTS (SELECT 1 FROM " + table + " l WHERE " + match + ")";
            String rowOf = common.stream().map(c -> "%s." + SalvageService.ident(c)).collect(Collectors.joining(", "));
            String distinct = "ROW(" + rowOf.replace("%s", "m") + ") IS DISTINCT FROM ROW(" + rowOf.replace("%s", "l") + ")";
            String differ = "FROM pitr_merge m JOIN " + table + " l ON " + match + " WHERE " + distinct;
            String keyText = key.stream().map(k -> "m." + SalvageService.ident(k) + "::text")
                    .collect(Collectors.joining(" || ',' || "));
            long inserted = count(live, "SELECT count(*) " + missing);
            long differing = count(live, "SELECT count(*) " + differ);
            List<String> sampleInserted = texts(live, "SELECT " + keyText + " " + missing + " ORDER BY 1 LIMIT " + SAMPLE);
            List<String> sampleDiffering = texts(live, "SELECT " + keyText + " " + differ + " ORDER BY 1 LIMIT " + SAMPLE);
            long updated = 0;
            List<String> moved = new ArrayList<>();
            try (Statement st = live.createStatement()) {
                boolean identityAlways = common.stream().anyMatch(c -> liveColumns.get(c).equals("identity always"));
                st.executeUpdate("INSERT INTO " + table + " (" + cols + ")" + (identityAlways ? " OVERRIDING SYSTEM VALUE"
                        : "") + " SELECT " + common.stream().map(c -> "m." + SalvageService.ident(c))
                        .collect(Collectors.joining(", ")) + " " + missing);
                List<String> settable = common.stream().filter(c -> !key.contains(c))
                        .filter(c -> !liveColumns.get(c).equals("identity always")).toList();
                if (r.overwrite() && differing > 0 && !settable.isEmpty()) {
                    updated = st.executeUpdate("UPDATE " + table + " l SET " + settable.stream()
                            .map(c -> SalvageService.ident(c) + " = m." + SalvageService.ident(c))
                            .collect(Collectors.joining(", ")) + " FROM pitr_merge m WHERE " + match + " AND " + distinct);
                }
                moved = moveSequences(live, table, common, !r.dryRun());
            }
            if (r.dryRun()) {
                live.rollback();
            } else {
                live.commit();
            }
            return new Result(table, key, common, restored, inserted, differing, updated, moved, sampleInserted,
                    sampleDiffering, notRestored, !r.dryRun());
        } catch (SQLException e) {
            throw new PitrException(ExitCode.IO_FAILURE, "merging " + table + " into the live database failed and was"
                    + " rolled back (nothing changed): " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /** Streams the copy's rows into the staging table (text COPY: no file, no size limit). */
    private static long stage(Connection copy, Connection live, String table, String cols) throws SQLException {
        try (PGCopyInputStream rows = new PGCopyInputStream(copy.unwrap(PGConnection.class), "COPY (SELECT " + cols
                + " FROM " + table + ") TO STDOUT")) {
            return live.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY pitr_merge (" + cols + ") FROM STDIN", rows);
        } catch (IOException e) {
            throw new SQLException("copying the restored rows: " + e.getMessage(), e);
        }
    }

    /**
     * Owned sequences (serial, identity) set past the highest value now in the table, never backwards. setval is
     * not undone by a rollback, so a dry run only says where they would go.
     */
    private static List<String> moveSequences(Connection live, String table, List<String> columns, boolean apply)
            throws SQLException {
        List<String> moved = new ArrayList<>();
        for (String c : columns) {
            Optional<String> seq;
            try (PreparedStatement ps = live.prepareStatement("SELECT pg_get_serial_sequence(?, ?)")) {
                ps.setString(1, table);
                ps.setString(2, c);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    seq = Optional.ofNullable(rs.getString(1));
                }
            }
            if (seq.isEmpty()) {
                continue;
            }
            String col = SalvageService.ident(c);
            try (Statement st = live.createStatement();
                 ResultSet rs = st.executeQuery("SELECT " + (apply ? "setval('" + seq.get().replace("'", "''") + "', m)"
                         : "m") + " FROM (SELECT"
                         + " max(" + col + ")::bigint AS m FROM " + table + ") x WHERE m > (SELECT last_value FROM "
                         + seq.get() + ")")) {
                if (rs.next()) {
                    moved.add(seq.get() + " -> " + rs.getLong(1));
                }
            }
        }
        return moved;
    }

    private static Optional<Long> oid(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?)::oid")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long v = rs.getLong(1);
                return rs.wasNull() ? Optional.empty() : Optional.of(v);
            }
        }
    }

    /** Column name to its kind: "plain", "identity always", "identity by default" or "generated". */
    private static Map<String, String> columns(Connection c, String table) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT attname, attidentity, attgenerated FROM pg_attribute"
                + " WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String identity = rs.getString(2);
                    String generated = rs.getString(3);
                    out.put(rs.getString(1), !generated.isEmpty() ? "generated" : identity.equals("a") ? "identity always"
                            : identity.equals("d") ? "identity by default" : "plain");
                }
            }
        }
        return out;
    }

    private static List<String> primaryKey(Connection c, long oid) throws SQLException {
        return texts(c, "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum"
                + " = ANY(i.indkey) WHERE i.indrelid = " + oid + " AND i.indisprimary ORDER BY array_position(i.indkey,"
                + " a.attnum)");
    }

    /** Matching by a key that is not unique would insert or update the wrong rows. */
    private static void checkUnique(Connection c, long oid, List<String> key, String table) throws SQLException {
        List<String> unique = texts(c, "SELECT string_agg(a.attname, ',' ORDER BY a.attname) FROM pg_index i JOIN"
                + " pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = " + oid
                + " AND i.indisunique AND i.indpred IS NULL GROUP BY i.indexrelid");
        String wanted = key.stream().sorted().collect(Collectors.joining(","));
        if (!unique.contains(wanted)) {
            throw PitrException.usage("--key " + String.join(",", key) + " is not a unique key of " + table
                    + " in the live database (unique keys: " + (unique.isEmpty() ? "none" : String.join("; ", unique))
                    + "): rows must be matched one to one");
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> texts(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
