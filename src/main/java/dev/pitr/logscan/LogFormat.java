package dev.pitr.logscan;

/** The three log destinations PostgreSQL writes. */
public enum LogFormat {
    STDERR, CSVLOG, JSONLOG;

    /** Guesses from the first non-empty line; the file name's extension decides when it is telling. */
    public static LogFormat detect(String fileName, String firstLine) {
        String name = fileName.replaceAll("\\.(gz|zst)$", "");
        if (name.endsWith(".json") || firstLine.startsWith("{")) {
            return JSONLOG;
        }
        if (name.endsWith(".csv") || firstLine.matches("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} [A-Za-z0-9+:-]+,.*")) {
            return CSVLOG;
        }
        return STDERR;
    }
}
