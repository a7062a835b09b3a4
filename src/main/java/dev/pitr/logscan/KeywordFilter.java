package dev.pitr.logscan;

import java.util.List;
import java.util.function.Predicate;

/**
 * The first filter of a scan: which messages may matter, judged by the words they contain, on decoded text
 * or on the raw bytes of a plain log (so that a message that does not matter is never decoded at all).
 */
final class KeywordFilter implements Predicate<String> {
    private final WordSet words;
    private final long anyOf;
    private final long named;
    private final long withNamed;

    /** A message with one of {@code anyOf}, or one naming {@code table} with one of {@code withTable}. */
    KeywordFilter(List<String> anyOf, String table, List<String> withTable) {
        List<String> all = new java.util.ArrayList<>(anyOf);
        all.addAll(withTable);
        if (table != null) {
            all.add(table);
        }
        this.words = new WordSet(all);
        this.anyOf = words.mask(anyOf.toArray(String[]::new));
        this.named = table == null ? 0 : words.mask(table);
        this.withNamed = words.mask(withTable.toArray(String[]::new));
    }

    private boolean accept(long found) {
        return (found & anyOf) != 0 || (found & named) != 0 && (found & withNamed) != 0;
    }

    @Override
    public boolean test(String text) {
        return accept(words.find(text));
    }

    boolean test(byte[] b, int from, int to) {
        return accept(words.find(b, from, to));
    }
}
