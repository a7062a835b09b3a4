package dev.pitr.backup;

import dev.pitr.core.ProgressBar;
import dev.pitr.pg.PgConnection;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;

/**
 * How far the server has got sending a base backup, from pg_stat_progress_basebackup (bytes read from the data
 * directory, before compression), asked over one connection at most twice a second. Progress is only shown: a
 * server that does not answer makes it stop asking, never the backup fail.
 */
final class BasebackupProgress implements AutoCloseable {
    private static final long ASK_NANOS = 500_000_000L;
    private static final String QUERY = "SELECT coalesce(max(backup_streamed), 0) FROM pg_stat_progress_basebackup";

    private final PgConnection server;
    private final BytesProgress report;
    private Connection connection;
    private boolean givenUp;
    private long lastAsked;

    BasebackupProgress(PgConnection server, Consumer<String> progress, ProgressBar bar, long expected) {
        this.server = server;
        this.report = new BytesProgress(progress, bar, expected);
    }

    void tick() {
        long now = System.nanoTime();
        if (givenUp || now - lastAsked < ASK_NANOS) {
            return;
        }
        lastAsked = now;
        try {
            if (connection == null) {
                connection = server.open();
            }
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(QUERY)) {
                if (rs.next()) {
                    report.at(rs.getLong(1));
                }
            }
        } catch (SQLException | RuntimeException e) {
            givenUp = true;
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // only progress was asked over it
            }
        }
    }
}
