package dev.pitr.target.log;

import java.util.List;
import java.util.function.Predicate;

/**
 * The first filter of a scan: which messages may matter, judged by the words they contain, on decoded text
 * or on the raw bytes of a plain log (so that a message that does not matter is never decoded at all).
 * It looks in two steps: first for the words that matter alone and for the table, and only in a message that
 * names the table for the words that matter with it ({@code delete}, {@code update}: common words of any SQL
 * log, which would otherwise narrow the skipping search of every message).
 */
public final class KeywordFilter implements Predicate<String> {
    private final WordSet first;
    private final long anyOf;
    private final long named;
    private final WordSet withNamed;

    /** Severities (in every spelling) that let a message pass whatever its words, as UTF-8. */
    private final byte[][] severities;

    /** A message with one of {@code anyOf}, or one naming {@code table} with one of {@code withTable}. */
    public KeywordFilter(List<String> anyOf, String table, List<String> withTable) {
        this(anyOf, table, withTable, List.of());
    }

    /** The sessions (process ids) whose messages alone matter, when the raw line shows them; empty: all. */
    private final long[] pids;

    /** As above, or a message of one of {@code severities} (spelled as the log spells them: ERROR, FEHLER, ...). */
    public KeywordFilter(List<String> anyOf, String table, List<String> withTable, List<String> severities) {
        this.pids = new long[0];
        this.severities = severities.stream().map(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toArray(byte[][]::new);
        List<String> all = new java.util.ArrayList<>(anyOf);
        if (table != null) {
            all.add(table);
        }
        this.first = new WordSet(all);
        this.anyOf = first.mask(anyOf.toArray(String[]::new));
        this.named = table == null || withTable.isEmpty() ? 0 : first.mask(table);
        this.withNamed = new WordSet(withTable);
    }

    /** {@code of}, narrowed to {@code pids}: the words and severities as they were built. */
    private KeywordFilter(KeywordFilter of, long[] pids) {
        this.first = of.first;
        this.anyOf = of.anyOf;
        this.named = of.named;
        this.withNamed = of.withNamed;
        this.severities = of.severities;
        this.pids = pids;
    }

    @Override
    public boolean test(String text) {
        long found = first.find(text);
        if ((found & anyOf) != 0 || (found & named) != 0 && withNamed.find(text) != 0) {
            return true;
        }
        int separator = severities.length == 0 ? -1 : text.indexOf(":  "); // the severity stands just before the first
        if (separator > 0) {
            byte[] before = text.substring(0, separator).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return severityBefore(before, 0, before.length);
        }
        return false;
    }

    /**
     * The same filter, narrowed on raw lines to the messages of these sessions: a line whose text before the
     * severity separator (the prefix, with its %p) holds none of them as a number is skipped undecoded. Decoded
     * text is not narrowed (an envelope, not the prefix, may carry the pid there): the caller still checks.
     */
    public KeywordFilter inSessions(java.util.Collection<Integer> sessions) {
        return new KeywordFilter(this, sessions.stream().mapToLong(Integer::longValue).toArray());
    }

    /** Whether {@code b[from, separator)} holds one of the sessions' pids as a whole number (always, with none given). */
    boolean inSession(byte[] b, int from, int separator) {
        if (pids.length == 0) {
            return true;
        }
        int i = from;
        while (i < separator) {
            if (b[i] < '0' || b[i] > '9') {
                i++;
                continue;
            }
            long n = 0;
            int start = i;
            while (i < separator && b[i] >= '0' && b[i] <= '9' && i - start < 19) {
                n = n * 10 + (b[i++] - '0');
            }
            for (long pid : pids) {
                if (n == pid) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether one of the severities is spelled just before {@code separator} (the message's first {@code ":  "}). */
    boolean severityBefore(byte[] b, int from, int separator) {
        for (byte[] s : severities) {
            if (separator - s.length >= from && java.util.Arrays.equals(b, separator - s.length, separator, s, 0, s.length)) {
                return true;
            }
        }
        return false;
    }

    /** The first step's words in {@code b[from, to)}, as bits: a message's lines may be searched one by one and or-ed. */
    long find(byte[] b, int from, int to) {
        return first.find(b, from, to);
    }

    /** Whether the message {@code b[from, to)}, in which {@link #find} found these words, passes. */
    boolean accept(long found, byte[] b, int from, int to) {
        return (found & anyOf) != 0 || (found & named) != 0 && withNamed.find(b, from, to) != 0;
    }
}
