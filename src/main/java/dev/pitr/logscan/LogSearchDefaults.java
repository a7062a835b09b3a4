package dev.pitr.logscan;

/** What a log search assumes when it is told nothing and can detect nothing. */
public final class LogSearchDefaults {
    /** PostgreSQL's own default log_line_prefix since version 10. */
    public static final String PREFIX = "%m [%p] ";

    private LogSearchDefaults() {
    }
}
