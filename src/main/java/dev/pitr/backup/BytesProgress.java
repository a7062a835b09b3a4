package dev.pitr.backup;

import dev.pitr.core.ProgressBar;
import dev.pitr.core.ProgressFigures;

import java.time.Duration;
import java.util.function.Consumer;

/** How far a backup has read: the bar redrawn at most every 0.1 s, or without a terminal a line every 5 s. */
final class BytesProgress {
    private static final long BAR_NANOS = 100_000_000L;
    private static final long LINE_NANOS = 5_000_000_000L;

    private final Consumer<String> progress;
    private final ProgressBar bar;
    private final long expected;
    private final long started = System.nanoTime();
    private long lastReport = started;
    private long lastBar;

    BytesProgress(Consumer<String> progress, ProgressBar bar, long expected) {
        this.progress = progress;
        this.bar = bar;
        this.expected = expected;
    }

    void at(long done) {
        long now = System.nanoTime();
        if (bar != ProgressBar.NONE && now - lastBar > BAR_NANOS) {
            lastBar = now;
            bar.update(done, expected);
        } else if (bar == ProgressBar.NONE && now - lastReport > LINE_NANOS) {
            lastReport = now;
            progress.accept("backup: " + ProgressFigures.of(done, expected, Duration.ofNanos(now - started)) + " read");
        }
    }
}
