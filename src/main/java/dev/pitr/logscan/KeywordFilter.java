package dev.pitr.logscan;

import java.util.List;
import java.util.function.Predicate;

/**
 * The first filter of a scan: which messages may matter, judged by the words they contain, on decoded text
 * or on the raw bytes of a plain log (so that a message that does not matter is never decoded at all).
 * It looks in two steps: first for the words that matter alone and for the table, and only in a message that
 * names the table for the words that matter with it ({@code delete}, {@code update}: common words of any SQL
 * log, which would otherwise narrow the skipping search of every message).
 */
final class KeywordFilter implements Predicate<String> {
    private final WordSet first;
    private final long anyOf;
    private final long named;
    private final WordSet withNamed;

    /** A message with one of {@code anyOf}, or one naming {@code table} with one of {@code withTable}. */
    KeywordFilter(List<String> anyOf, String table, List<String> withTable) {
        List<String> all = new java.util.ArrayList<>(anyOf);
        if (table != null) {
            all.add(table);
        }
        this.first = new WordSet(all);
        this.anyOf = first.mask(anyOf.toArray(String[]::new));
        this.named = table == null || withTable.isEmpty() ? 0 : first.mask(table);
        this.withNamed = new WordSet(withTable);
    }

    @Override
    public boolean test(String text) {
        long found = first.find(text);
        return (found & anyOf) != 0 || (found & named) != 0 && withNamed.find(text) != 0;
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
