package dev.pitr.cli;

import dev.pitr.core.ProgressBar;
import dev.pitr.core.ProgressFigures;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.pitr.core.Json;

import java.io.PrintWriter;
import java.time.Duration;

/** Where a command's words go: results on stdout (text or --json), progress and -v detail on stderr. */
public final class Output {
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean json;
    private final boolean color;
    private final boolean verbose;

    public Output(PrintWriter out, PrintWriter err, boolean json, boolean color, boolean verbose) {
        this.out = out;
        this.err = err;
        this.json = json;
        this.color = color;
        this.verbose = verbose;
    }

    public boolean json() {
        return json;
    }

    public boolean color() {
        return color;
    }

    public void println(String line) {
        out.println(line);
    }

    public void verbose(String line) {
        if (verbose) {
            err.println("pitr: " + line);
        }
    }

    PrintWriter err() {
        return err;
    }

    /** A JSON object on stderr (the banner's fields with --json: stdout stays one parseable document). */
    public void progressJson(Object value) {
        try {
            err.println(Json.mapper().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }

    /** Progress of a long step: on stderr, so stdout stays the result (and --json stays parseable). */
    public void progress(String line) {
        err.println("pitr: " + line);
    }

    /** A bar redrawn in place on a terminal (stderr); none when stderr is not a terminal or with --json. */
    public ProgressBar progressBar(String label) {
        if (System.console() == null || json) {
            return ProgressBar.NONE;
        }
        long started = System.nanoTime();
        return new ProgressBar() {
            public void update(long done, long total) {
                int width = 30;
                int filled = total <= 0 ? 0 : (int) Math.min(width, done * width / total);
                err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(width - filled) + "] "
                        + ProgressFigures.of(done, total, Duration.ofNanos(System.nanoTime() - started)) + "\u001b[K");
                err.flush();
            }

            public void finish() {
                err.println();
            }
        };
    }

    /** One document on stdout; an object leads with {@code schema_version} (see docs/json.md). */
    public void printJson(Object value) {
        try {
            out.println(Json.mapper().writeValueAsString(Json.versioned(value)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }
}
