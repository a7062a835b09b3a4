package dev.pitr.testkit;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** An application writing into a database all the time: its statements in a loop, a pause between rounds. */
public final class Application implements AutoCloseable {
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final Thread thread;

    private Application(PgCluster pg, String database, long pauseMillis, List<String> statements) {
        thread = new Thread(() -> {
            try (Connection c = pg.connect(database); Statement s = c.createStatement()) {
                while (writing.get()) {
                    for (String sql : statements) {
                        s.execute(sql);
                    }
                    Thread.sleep(pauseMillis);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "application");
        thread.setDaemon(true);
    }

    public static Application start(PgCluster pg, String database, long pauseMillis, String... statements) {
        Application a = new Application(pg, database, pauseMillis, List.of(statements));
        a.thread.start();
        return a;
    }

    /**
     * Stops writing and waits for the last round to commit: a test that counts rows after this must never race a
     * round still in flight (on a loaded machine one can take seconds).
     */
    @Override
    public void close() throws InterruptedException {
        writing.set(false);
        thread.join(120_000);
        if (thread.isAlive()) {
            throw new IllegalStateException("the application did not stop writing within 2 minutes");
        }
    }
}
