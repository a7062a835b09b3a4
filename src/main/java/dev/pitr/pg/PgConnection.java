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

    public PgConnection withDatabase(String db) {
        return new PgConnection(host, port, user, db);
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + database;
    }
}
