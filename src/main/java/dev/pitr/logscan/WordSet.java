package dev.pitr.logscan;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which of a few words occur in a text, ignoring ASCII case, in one pass over it: this runs on every message
 * of a multi-gigabyte log, so it reads each character once instead of once per word.
 */
final class WordSet {
    private final String[] words;
    /** For each lower-case ASCII first letter, the indexes of the words starting with it. */
    private final int[][] byFirst = new int[128][];
    /** Whether any word starts with these two (lower-case ASCII) characters: most positions stop here. */
    private final boolean[] firstTwo = new boolean[128 * 128];
    /** The same for three characters (words of three or more): "te" is everywhere, "tem" is not. */
    private final java.util.BitSet firstThree = new java.util.BitSet(1 << 21);
    private boolean anyTwoLetterWord;
    private static final char[] LOWER = new char[128];

    static {
        for (char c = 0; c < 128; c++) {
            LOWER[c] = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
        }
    }

    WordSet(List<String> words) {
        if (words.size() > 63) {
            throw new IllegalArgumentException("at most 63 words");
        }
        this.words = words.stream().map(w -> w.toLowerCase(Locale.ROOT)).toArray(String[]::new);
        List<List<Integer>> lists = new ArrayList<>();
        for (int c = 0; c < 128; c++) {
            lists.add(new ArrayList<>());
        }
        for (int i = 0; i < this.words.length; i++) {
            String w = this.words[i];
            char c = w.charAt(0);
            if (c >= 128 || w.length() < 2 || w.charAt(1) >= 128) {
                throw new IllegalArgumentException("words must start with two ASCII characters: " + w);
            }
            lists.get(c).add(i);
            firstTwo[c << 7 | w.charAt(1)] = true;
            if (w.length() >= 3 && w.charAt(2) < 128) {
                firstThree.set(c << 14 | w.charAt(1) << 7 | w.charAt(2));
            } else {
                anyTwoLetterWord = true;
            }
        }
        for (int c = 0; c < 128; c++) {
            byFirst[c] = lists.get(c).isEmpty() ? null : lists.get(c).stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** A bit per word (bit i: word i occurs), read in one pass. */
    long find(String text) {
        long found = 0;
        int n = text.length() - 1;
        char next = n >= 0 ? text.charAt(0) : 0;
        for (int i = 0; i < n; i++) {
            char c = next;
            next = text.charAt(i + 1);
            if (c >= 128 || next >= 128 || !firstTwo[LOWER[c] << 7 | LOWER[next]]) {
                continue;
            }
            if (!anyTwoLetterWord) {
                char third = i + 2 <= n ? text.charAt(i + 2) : 0;
                if (third >= 128 || !firstThree.get(LOWER[c] << 14 | LOWER[next] << 7 | LOWER[third])) {
                    continue;
                }
            }
            int[] candidates = byFirst[LOWER[c]];
            for (int w : candidates) {
                String word = words[w];
                if ((found & (1L << w)) == 0 && matchesAt(text, i, word)) {
                    found |= 1L << w;
                }
            }
        }
        return found;
    }

    /** The same over raw bytes {@code [from, to)} (a log not yet decoded: multi-byte characters match no word). */
    long find(byte[] b, int from, int to) {
        long found = 0;
        int last = to - 1;
        for (int i = from; i < last; i++) {
            int c = b[i] & 0xff;
            int next = b[i + 1] & 0xff;
            if (c >= 128 || next >= 128 || !firstTwo[LOWER[c] << 7 | LOWER[next]]) {
                continue;
            }
            if (!anyTwoLetterWord) {
                int third = i + 2 < to ? b[i + 2] & 0xff : 0;
                if (third >= 128 || !firstThree.get(LOWER[c] << 14 | LOWER[next] << 7 | LOWER[third])) {
                    continue;
                }
            }
            for (int w : byFirst[LOWER[c]]) {
                String word = words[w];
                if ((found & (1L << w)) == 0 && matchesAt(b, i, to, word)) {
                    found |= 1L << w;
                }
            }
        }
        return found;
    }

    private static boolean matchesAt(byte[] b, int at, int to, String word) {
        int len = word.length();
        if (at + len > to) {
            return false;
        }
        for (int k = 2; k < len; k++) {
            int c = b[at + k] & 0xff;
            if (c >= 128 || LOWER[c] != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** {@code word} (lower case) at {@code at}, ignoring ASCII case; the first two characters already match. */
    private static boolean matchesAt(String text, int at, String word) {
        int len = word.length();
        if (at + len > text.length()) {
            return false;
        }
        for (int k = 2; k < len; k++) {
            char c = text.charAt(at + k);
            if (c >= 128 || LOWER[c] != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** The bit mask of these words (which must be in the set). */
    long mask(String... of) {
        long m = 0;
        for (String w : of) {
            for (int i = 0; i < words.length; i++) {
                if (words[i].equals(w.toLowerCase(Locale.ROOT))) {
                    m |= 1L << i;
                }
            }
        }
        return m;
    }
}
