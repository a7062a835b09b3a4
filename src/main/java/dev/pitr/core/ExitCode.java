package dev.pitr.core;

/** The documented process exit codes. Scripts and PostgreSQL's archiver read these, so they never change meaning. */
public enum ExitCode {
    OK(0, "success"),
    NOT_FOUND(1, "WAL file not in the repository (wal fetch; PostgreSQL probes for files that may not exist)"),
    USAGE(2, "usage error or bad input"),
    VERIFICATION_FAILED(3, "verification failed (archive incomplete, check failed)"),
    REFUSED(4, "refused for safety (identity mismatch, confirmation missing, conflicting content)"),
    IO_FAILURE(5, "repository or I/O failure");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
