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
            char c = this.words[i].charAt(0);
            if (c >= 128) {
                throw new IllegalArgumentException("words must start with an ASCII character: " + this.words[i]);
            }
            lists.get(c).add(i);
        }
        for (int c = 0; c < 128; c++) {
            byFirst[c] = lists.get(c).isEmpty() ? null : lists.get(c).stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** A bit per word (bit i: word i occurs), read in one pass. */
    long find(String text) {
        long found = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + 32);
            } else if (c >= 128) {
                continue;
            }
            int[] candidates = byFirst[c];
            if (candidates == null) {
                continue;
            }
            for (int w : candidates) {
                String word = words[w];
                if ((found & (1L << w)) == 0 && text.regionMatches(true, i + 1, word, 1, word.length() - 1)) {
                    found |= 1L << w;
                }
            }
        }
        return found;
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
