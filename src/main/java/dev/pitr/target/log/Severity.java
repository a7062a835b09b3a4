package dev.pitr.target.log;

import java.util.Locale;

/**
 * A log message's severity as PostgreSQL names it in English, whatever lc_messages printed (LOG, FEHLER,
 * ОШИБКА, 日志 all become one of these). OTHER is a word pitr does not know: such a line is no statement.
 */
public enum Severity {
    DEBUG, INFO, NOTICE, WARNING, ERROR, LOG, FATAL, PANIC, DETAIL, HINT, QUERY, CONTEXT, LINE, LOCATION, STATEMENT,
    OTHER;

    private static final java.util.Map<String, Severity> BY_NAME = new java.util.HashMap<>();

    static {
        for (Severity s : values()) {
            BY_NAME.put(s.name(), s);
        }
        for (int i = 1; i <= 5; i++) {
            BY_NAME.put("DEBUG" + i, DEBUG);
        }
    }

    /** DEBUG1..DEBUG5 are DEBUG; an unknown word is OTHER. Runs once per log message: a map lookup. */
    public static Severity of(String english) {
        Severity s = BY_NAME.get(english);
        return s != null ? s : BY_NAME.getOrDefault(english.trim().toUpperCase(Locale.ROOT), OTHER);
    }

    /** A message that says its statement failed (its STATEMENT or query field then names the statement). */
    public boolean failure() {
        return this == ERROR || this == FATAL || this == PANIC;
    }
}
