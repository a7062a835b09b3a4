package dev.pitr.verify;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pitr.core.PitrException;
import dev.pitr.pg.PgConnection;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Runs checks against a restored copy (paused or promoted). Never throws for a failing check: it reports it. */
public final class Verifier {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(5);

    private record ChecksFile(@com.fasterxml.jackson.annotation.JsonProperty("checks") List<Check> checks) {
    }

    private final PgConnection defaultConn;
    private PgConnection conn;

    /** {@code conn} names the database a check runs in unless the check names its own. */
    public Verifier(PgConnection conn) {
        this.defaultConn = conn;
        this.conn = conn;
    }

    public static List<Check> load(Path file) {
        try {
            ChecksFile f = YAML.readValue(file.toFile(), ChecksFile.class);
            if (f == null || f.checks() == null || f.checks().isEmpty()) {
                throw PitrException.usage(file + ": no checks (expected a 'checks:' list)");
            }
            return f.checks().stream().map(c -> c.validated(file.toString())).toList();
        } catch (IOException e) {
            throw PitrException.usage(file + " is not a valid checks file: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    public List<CheckResult> run(List<Check> checks) {
        List<CheckResult> out = new ArrayList<>();
        for (Check c : checks) {
            long start = System.nanoTime();
            conn = c.database() == null ? defaultConn : defaultConn.withDatabase(c.database());
            CheckResult r = Boolean.TRUE.equals(c.amcheck()) && c.database() == null ? amcheckEveryDatabase(c) : runOne(c);
            out.add(new CheckResult(r.name(), r.passed(), r.seen(), r.expected(), (System.nanoTime() - start) / 1e9));
        }
        return out;
    }

    private CheckResult runOne(Check c) {
        String name = c.displayName();
        try {
            if (c.tableExists() != null) {
                String seen = value("SELECT to_regclass(" + literal(c.tableExists()) + ") IS NOT NULL");
                return new CheckResult(name, "t".equals(seen), "t".equals(seen) ? "exists" : "missing", "exists", 0);
            }
            if (c.rowCount() != null) {
                Check.RowCount rc = c.rowCount();
                long n = Long.parseLong(value("SELECT count(*) FROM " + rc.table()));
                boolean ok = (rc.exact() == null || n == rc.exact()) && (rc.atLeast() == null || n >= rc.atLeast())
                        && (rc.atMost() == null || n <= rc.atMost());
                String expected = (rc.exact() != null ? "= " + rc.exact() + " " : "")
                        + (rc.atLeast() != null ? ">= " + rc.atLeast() + " " : "")
                        + (rc.atMost() != null ? "<= " + rc.atMost() : "");
                return new CheckResult(name, ok, n + " rows", expected.trim(), 0);
            }
            if (Boolean.TRUE.equals(c.amcheck())) {
                return amcheck(name);
            }
            String seen = value(c.query());
            String expected = c.equalsValue() == null ? "t" : c.equalsValue();
            boolean ok = expected.equals(seen) || "t".equals(expected) && "true".equalsIgnoreCase(seen);
            return new CheckResult(name, ok, seen, expected, 0);
        } catch (PitrException | NumberFormatException e) {
            String msg = e.getMessage();
            if (msg != null && msg.contains("lock timeout")) {
                msg = "blocked by a lock the replayed part of an excluded transaction holds (promote to release it)";
            }
            return new CheckResult(name, false, "error: " + msg, "no error", 0);
        }
    }

    /** amcheck in every database of the copy that takes connections: corruption hides in any of them. */
    private CheckResult amcheckEveryDatabase(Check c) {
        List<String> dbs;
        try (Connection x = defaultConn.open(); Statement s = x.createStatement();
             ResultSet rs = s.executeQuery("SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate"
                     + " ORDER BY datname")) {
            dbs = new ArrayList<>();
            while (rs.next()) {
                dbs.add(rs.getString(1));
            }
        } catch (SQLException | PitrException e) {
            return new CheckResult(c.displayName(), false, "error: " + e.getMessage(), "no error", 0);
        }
        List<String> seen = new ArrayList<>();
        for (String db : dbs) {
            conn = defaultConn.withDatabase(db);
            CheckResult r = amcheck(c.displayName());
            if (!r.passed()) {
                return new CheckResult(c.displayName(), false, db + ": " + r.seen(), r.expected(), 0);
            }
            seen.add(db + " " + r.seen());
        }
        return new CheckResult(c.displayName(), true, String.join(", ", seen), "no corruption", 0);
    }

    /** amcheck's bt_index_check on every B-tree index; the extension is created only here, on the restored copy. */
    private CheckResult amcheck(String name) {
        if ("t".equals(value("SELECT pg_is_in_recovery()"))
                && !"t".equals(value("SELECT count(*) > 0 FROM pg_extension WHERE extname = 'amcheck'"))) {
            return new CheckResult(name, false, "the copy is read-only (paused in recovery) and has no amcheck",
                    "a promoted copy, or amcheck installed in the backup", 0);
        }
        try (Connection c = conn.open(); Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS amcheck");
            int checked = 0;
            try (ResultSet rs = s.executeQuery("SELECT count(bt_index_check(c.oid)) FROM pg_index i "
                    + "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
                    + "WHERE am.amname = 'btree' AND c.relpersistence <> 't' AND i.indisready AND i.indisvalid")) {
                rs.next();
                checked = rs.getInt(1);
            }
            return new CheckResult(name, true, checked + " indexes checked", "no corruption", 0);
        } catch (SQLException e) {
            return new CheckResult(name, false, "corruption or error: " + e.getMessage().lines().findFirst().orElse(""),
                    "no corruption", 0);
        }
    }

    private String value(String sql) {
        return conn.queryOne(sql, LOCK_TIMEOUT).orElse("(no row)");
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
