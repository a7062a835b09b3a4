package dev.pitr.core;

/** A bar redrawn in place on a terminal; {@link #NONE} where there is no terminal (progress goes out as lines). */
public interface ProgressBar {
    void update(long done, long total);

    void finish();

    ProgressBar NONE = new ProgressBar() {
        public void update(long done, long total) {
        }

        public void finish() {
        }
    };
}
