package dev.pitr.restore;

import dev.pitr.core.Trees;
import dev.pitr.core.PitrException;
import dev.pitr.core.Wait;
import dev.pitr.pg.PgConnection;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;

/** The restored copy's server as the steps talk to it: its connection, its replay status, its port. */
final class CopyServer {
    private CopyServer() {
    }

    static boolean isEmptyDir(Path dir) {
        return Trees.isEmptyDirectory(dir);
    }

    static boolean portInUse(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    record ReplayStatus(boolean inRecovery, String pauseState, String replayLsn, Instant lastXact) {
    }

    static Optional<ReplayStatus> status(PgConnection conn) {
        try (StatusProbe once = new StatusProbe(conn)) {
            return once.status();
        }
    }

    private static ReplayStatus query(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN "
                     + "pg_get_wal_replay_pause_state() ELSE 'promoted' END, "
                     + "coalesce(pg_last_wal_replay_lsn(), pg_current_wal_lsn())::text, pg_last_xact_replay_timestamp()")) {
            rs.next();
            Timestamp ts = rs.getTimestamp(4);
            return new ReplayStatus(rs.getBoolean(1), rs.getString(2), rs.getString(3), ts == null ? null : ts.toInstant());
        }
    }

    /**
     * The replay status asked again and again over one connection: a poll is then a query, not a backend started
     * on a copy busy replaying. Reconnects when the server was not answering, or has dropped it.
     */
    static final class StatusProbe implements AutoCloseable {
        private final PgConnection conn;
        private Optional<Connection> open = Optional.empty();

        StatusProbe(PgConnection conn) {
            this.conn = conn;
        }

        /** Whether the last question was answered over an open connection. */
        boolean connected() {
            return open.isPresent();
        }

        Optional<ReplayStatus> status() {
            try {
                if (open.isEmpty()) {
                    open = Optional.of(conn.open());
                }
                return Optional.of(query(open.get()));
            } catch (PitrException | SQLException e) {
                close();
                return Optional.empty(); // not accepting connections yet (not consistent), or gone
            }
        }

        @Override
        public void close() {
            open.ifPresent(c -> {
                try {
                    c.close();
                } catch (SQLException e) {
                    // a connection to a server that went away: nothing left to close
                }
            });
            open = Optional.empty();
        }
    }

    static PgConnection connection(RestorePlan plan) {
        return new PgConnection("127.0.0.1", plan.port(), "postgres", "postgres");
    }

    static void sleep(long ms) {
        Wait.sleep(Duration.ofMillis(ms));
    }

    /** Until the copy has left recovery (a promotion, or the end of recovery pitr asked for). */
    static void awaitRecoveryEnd(PgConnection conn, RestorePlan plan) {
        Wait.until(() -> !status(conn).map(ReplayStatus::inRecovery).orElse(true), Duration.ofMinutes(5),
                Duration.ofMillis(200), () -> PitrException.io("the copy did not leave recovery within 5 minutes; see "
                        + plan.serverLog(), null));
    }
}
