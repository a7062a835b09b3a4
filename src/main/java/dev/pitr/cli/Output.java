package dev.pitr.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.pitr.core.Json;

import java.io.PrintWriter;

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

    /** Progress of a long step: on stderr, so stdout stays the result (and --json stays parseable). */
    public void progress(String line) {
        err.println("pitr: " + line);
    }

    public void printJson(Object value) {
        try {
            out.println(Json.mapper().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }
}
