package dev.pitr.target;

import dev.pitr.core.PitrException;

/**
 * Where a restore stops once the WAL pinned the suspect transaction. Before its commit keeps every other
 * commit (zero lost); before its first record keeps the copy free of its locks but loses what others committed
 * while it was open.
 */
public enum StopBefore {
    COMMIT("commit"), FIRST_RECORD("first-record");

    private final String flag;

    StopBefore(String flag) {
        this.flag = flag;
    }

    public String flag() {
        return flag;
    }

    /** {@code --stop-before commit|first-record}. */
    public static StopBefore parse(String text) {
        for (StopBefore s : values()) {
            if (s.flag.equalsIgnoreCase(text.trim())) {
                return s;
            }
        }
        throw PitrException.usage("--stop-before '" + text + "' must be commit (keeps every other commit) or"
                + " first-record (before the transaction's first WAL record)");
    }
}
