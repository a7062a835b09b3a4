package dev.pitr.testkit;

import dev.pitr.pg.PgBinaries;
import dev.pitr.pg.PgCtl;
import dev.pitr.pg.ProcessRunner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A throwaway PostgreSQL cluster: initdb into a temp dir owned by the server user, a free loopback port,
 * pg_ctl start/stop. Fails with a message naming the missing binary when PostgreSQL is not installed.
 */
public final class PgCluster implements AutoCloseable {
    private final PgCtl ctl;
    private final Path dir;
    private final Path data;
    private final int port;
    private final Map<String, String> env;

    private PgCluster(PgCtl ctl, Path dir, int port, Map<String, String> env) {
        this.ctl = ctl;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
        this.env = env;
    }

    public static PgBinaries binaries() {
        return PgBinaries.locate(Optional.ofNullable(System.getenv("PITR_PG_BIN")).map(Path::of));
    }

    /** initdb + start with {@code settings} appended to postgresql.conf and {@code env} in the server's environment. */
    public static PgCluster start(Map<String, String> settings, Map<String, String> env) {
        PgCluster c = create(settings, env);
        c.start();
        return c;
    }

    public static PgCluster create(Map<String, String> settings, Map<String, String> env) {
        try {
            Path dir = TestDirs.serverOwned("pitr-pg-");
            PgCluster c = new PgCluster(new PgCtl(binaries()), dir, freePort(), env);
            c.ctl.initdb(c.data, List.of("-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"));
            Map<String, String> conf = new LinkedHashMap<>();
            conf.put("port", String.valueOf(c.port));
            conf.put("listen_addresses", "'127.0.0.1'");
            conf.put("unix_socket_directories", "'" + dir + "'");
            conf.put("fsync", "off");
            conf.put("max_wal_senders", "4");
            conf.putAll(settings);
            c.appendConf(conf);
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A streaming standby of {@code primary}, made by pg_basebackup -R as the server user, started with its own
     * port and {@code settings}; it follows the primary until it is promoted.
     */
    public static PgCluster standbyOf(PgCluster primary, Map<String, String> settings, Map<String, String> env) {
        try {
            Path dir = TestDirs.serverOwned("pitr-standby-");
            PgCluster c = new PgCluster(new PgCtl(binaries()), dir, freePort(), env);
            ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.asServerUser(List.of(
                    binaries().tool("pg_basebackup").toString(), "-h", "127.0.0.1", "-p", String.valueOf(primary.port),
                    "-U", "postgres", "-D", c.data.toString(), "-R", "-X", "stream", "--no-sync")), Map.of(),
                    Duration.ofMinutes(5));
            if (!r.ok()) {
                throw new IllegalStateException("pg_basebackup of the standby failed: " + r.stderr());
            }
            Map<String, String> conf = new LinkedHashMap<>();
            conf.put("port", String.valueOf(c.port));
            conf.put("unix_socket_directories", "'" + dir + "'");
            conf.putAll(settings);
            // after postgresql.auto.conf's settings, which the primary's may hold (a port that a restore wrote)
            StringBuilder sb = new StringBuilder("\n# pitr test fixture: the standby's own\n");
            conf.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
            Files.writeString(c.data.resolve("postgresql.auto.conf"), sb.toString(), java.nio.file.StandardOpenOption.APPEND);
            c.start();
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void appendConf(Map<String, String> conf) throws IOException {
        StringBuilder sb = new StringBuilder("\n# pitr test fixture\n");
        conf.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
        Files.writeString(data.resolve("postgresql.conf"), sb.toString(), java.nio.file.StandardOpenOption.APPEND);
    }

    public void start() {
        ctl.start(data, dir.resolve("server.log"), env, Duration.ofSeconds(60));
    }

    public void stop() {
        if (ctl.isRunning(data)) {
            ctl.stop(data, "fast");
        }
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return data;
    }

    public Path dir() {
        return dir;
    }

    public Path serverLog() {
        return dir.resolve("server.log");
    }

    public PgCtl ctl() {
        return ctl;
    }

    public Connection connect() throws SQLException {
        return connect("postgres");
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, "postgres", "");
    }

    /**
     * A connection that sends each query string as it is (the simple protocol), as psql and most drivers of other
     * languages do: {@code BEGIN; DELETE ...; ROLLBACK} is then one message and one logged statement.
     */
    public Connection connectSimple(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database
                + "?preferQueryMode=simple", "postgres", "");
    }

    /** Runs {@code sql} in {@code database}, in order, each in autocommit. */
    public void executeIn(String database, String... sql) {
        try (Connection c = connect(database); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The first column of the first row in {@code database}, as text. */
    public String queryIn(String database, String sql) {
        return query(port, database, sql);
    }

    /** The first column of the first row, from any server on loopback (a restored copy too). */
    public static String query(int port, String database, String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database
                + "?options=-c%20statement_timeout%3D20000", "postgres", "");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** A table's whole content as one comparable value: its row count and an md5 of its sorted rows. */
    public static String fingerprint(int port, String database, String table) {
        return query(port, database, "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY"
                + " t::text)), '-') FROM " + table + " t");
    }

    public void execute(String... sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The first column of the first row, as text. */
    public String query(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    public List<String> queryColumn(String sql) {
        return queryColumn(port, "postgres", sql);
    }

    /** The first column of every row, as text, from any server on loopback (a restored copy too). */
    public static List<String> queryColumn(int port, String database, String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database,
                "postgres", ""); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Runs pgbench (init or load) against this cluster as the server user. */
    public void pgbench(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ctl.binaries().tool("pgbench").toString(), "-h", "127.0.0.1",
                "-p", String.valueOf(port), "-U", "postgres"));
        cmd.addAll(List.of(args));
        cmd.add("postgres");
        ProcessRunner.Result r = ProcessRunner.run(cmd, Map.of(), Duration.ofMinutes(5));
        if (!r.ok()) {
            throw new IllegalStateException("pgbench failed: " + r.stderr());
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            TestDirs.delete(dir);
        }
    }
}
