package dev.pitr.pg;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;

/** Where a PostgreSQL server listens; opens pgjdbc connections to it. Passwords come from PGPASSWORD/.pgpass only. */
public record PgConnection(String host, int port, String user, String database) {
    public Connection open() {
        Properties p = new Properties();
        p.setProperty("user", user);
        Optional.ofNullable(System.getenv("PGPASSWORD")).ifPresent(pw -> p.setProperty("password", pw));
        p.setProperty("connectTimeout", "10");
        p.setProperty("ApplicationName", "pitr");
        try {
            return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + database, p);
        } catch (SQLException e) {
            throw new PitrException(ExitCode.IO_FAILURE, "cannot connect to PostgreSQL at " + host + ":" + port
                    + " as " + user + ": " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /** The first column of the first row, or empty when there is no row. */
    public Optional<String> queryOne(String sql) {
        return queryOne(sql, java.time.Duration.ZERO);
    }

    /** Every column of the first row (one connection for several facts), or empty when there is no row. */
    public Optional<java.util.List<String>> queryRow(String sql) {
        try (Connection c = open(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                return Optional.empty();
            }
            java.util.List<String> row = new java.util.ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.add(rs.getString(i));
            }
            return Optional.of(row);
        } catch (SQLException e) {
            throw new PitrException(ExitCode.IO_FAILURE, "query on " + host + ":" + port + " failed: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /** As {@link #queryOne(String)}, giving up on a lock after {@code lockTimeout} (zero: wait forever). */
    public Optional<String> queryOne(String sql, java.time.Duration lockTimeout) {
        try (Connection c = open(); Statement s = c.createStatement()) {
            if (!lockTimeout.isZero()) {
                s.execute("SET lock_timeout = " + lockTimeout.toMillis());
            }
            try (ResultSet rs = s.executeQuery(sql)) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new PitrException(ExitCode.IO_FAILURE, "query on " + host + ":" + port + " failed: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /**
     * A libpq connection string as psql takes it, key=value ({@code host=db1 port=5432 dbname=shop}) or a URI
     * ({@code postgresql://user@db1:5432/shop}); what is not given comes from {@code defaults}.
     */
    public static PgConnection parse(String conninfo, PgConnection defaults) {
        String host = defaults.host();
        int port = defaults.port();
        String user = defaults.user();
        String db = defaults.database();
        try {
            if (conninfo.startsWith("postgresql://") || conninfo.startsWith("postgres://")) {
                java.net.URI u = java.net.URI.create(conninfo);
                host = Optional.ofNullable(u.getHost()).orElse(host);
                port = u.getPort() > 0 ? u.getPort() : port;
                user = Optional.ofNullable(u.getUserInfo()).map(i -> i.split(":")[0]).orElse(user);
                db = Optional.ofNullable(u.getPath()).filter(p -> p.length() > 1).map(p -> p.substring(1)).orElse(db);
                return new PgConnection(host, port, user, db);
            }
            for (String part : conninfo.trim().split("\\s+")) {
                int eq = part.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException(part);
                }
                String v = part.substring(eq + 1).replaceAll("^'|'$", "");
                switch (part.substring(0, eq)) {
                    case "host", "hostaddr" -> host = v;
                    case "port" -> port = Integer.parseInt(v);
                    case "user" -> user = v;
                    case "dbname" -> db = v;
                    default -> { } // sslmode, application_name, ...: not needed to reach the server
                }
            }
            return new PgConnection(host, port, user, db);
        } catch (IllegalArgumentException e) {
            throw PitrException.usage("connection string '" + conninfo + "' is not key=value pairs (host=... port=..."
                    + " dbname=...) or a postgresql:// URI");
        }
    }

    public PgConnection withDatabase(String db) {
        return new PgConnection(host, port, user, db);
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + database;
    }
}
