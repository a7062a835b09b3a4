package dev.pitr.target.log;

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
    /** A byte with ASCII letters in lower case. */
    private static final byte[] BYTE_FOLD = new byte[256];

    static {
        for (char c = 0; c < 128; c++) {
            LOWER[c] = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
        }
        for (int c = 0; c < 256; c++) {
            BYTE_FOLD[c] = (byte) (c < 128 ? LOWER[c] : c);
        }
    }

    /** The words' bytes (UTF-8, lower case). */
    private final byte[][] utf8;
    /** Width of the skip window: the shortest run of leading ASCII characters among the words (at least 2). */
    private final int window;
    /** How far the window may move when its last two bytes are this pair: 0 when they end some word's window. */
    private final byte[] shift = new byte[128 * 128];
    /** The words whose window ends with this pair. */
    private final int[][] endingWith = new int[128 * 128][];

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
        this.utf8 = java.util.Arrays.stream(this.words).map(w -> w.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toArray(byte[][]::new);
        int m = Integer.MAX_VALUE;
        for (String w : this.words) {
            int ascii = 0;
            while (ascii < w.length() && w.charAt(ascii) < 128) {
                ascii++;
            }
            m = Math.min(m, ascii);
        }
        this.window = Math.min(m, 127);
        java.util.Arrays.fill(shift, (byte) (window - 1));
        List<List<Integer>> ending = new ArrayList<>();
        for (int p = 0; p < 128 * 128; p++) {
            ending.add(null);
        }
        for (int w = 0; w < this.words.length; w++) {
            String word = this.words[w];
            for (int j = 1; j < window; j++) { // the pair word[j - 1..j] may be the window's last, j bytes in
                int pair = pairOf(word.charAt(j - 1), word.charAt(j));
                shift[pair] = (byte) Math.min(shift[pair], window - 1 - j);
            }
            int last = pairOf(word.charAt(window - 2), word.charAt(window - 1));
            if (ending.get(last) == null) {
                ending.set(last, new ArrayList<>());
            }
            ending.get(last).add(w);
        }
        for (int p = 0; p < 128 * 128; p++) {
            endingWith[p] = ending.get(p) == null ? null : ending.get(p).stream().mapToInt(Integer::intValue).toArray();
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

    /**
     * The same over raw bytes {@code [from, to)}, read by skipping (Wu-Manber over pairs of bytes): the window
     * is as wide as the shortest word, and a pair that ends no word's first characters moves it on by up to
     * that width, so most bytes of a log are never looked at. Non-ASCII bytes of a word match exactly.
     */
    long find(byte[] b, int from, int to) {
        int m = window;
        int first = from + m - 1; // the first window's last byte
        if (to - first < 24) {
            return skip(b, first, to, to, 0);
        }
        // two independent skip chains, one over each half of the window ends: each step waits on the load before
        // it, so running two at once keeps the core busy (a window may reach back across the middle, never a word
        // forward past the end: every window end is in exactly one half)
        int mid = first + (to - first) / 2;
        long found = 0;
        byte[] shift = this.shift;
        int i = first;
        int j = mid;
        while (i < mid && j < to) {
            int si = shift[pairAt(b, i)];
            int sj = shift[pairAt(b, j)];
            if (si == 0) {
                found = verify(b, i, to, found);
                si = 1;
            }
            if (sj == 0) {
                found = verify(b, j, to, found);
                sj = 1;
            }
            i += si;
            j += sj;
        }
        found = skip(b, i, mid, to, found);
        return skip(b, j, to, to, found);
    }

    /** The windows ending in {@code [i, end)}, skipping; words may run to {@code to}. */
    private long skip(byte[] b, int i, int end, int to, long found) {
        byte[] shift = this.shift;
        while (i < end) {
            int step = shift[pairAt(b, i)];
            if (step == 0) {
                found = verify(b, i, to, found);
                step = 1;
            }
            i += step;
        }
        return found;
    }

    /** The words whose window ends at {@code i}, checked in full. */
    private long verify(byte[] b, int i, int to, long found) {
        int at = i - window + 1;
        for (int w : endingWith[pairAt(b, i)]) {
            if ((found & (1L << w)) == 0 && matchesAt(b, at, to, utf8[w])) {
                found |= 1L << w;
            }
        }
        return found;
    }

    /**
     * The pair of bytes ending at {@code i}, folded cheaply: ASCII letters in lower case ({@code | 0x20}) and to
     * seven bits, so that some other bytes share a pair with them. That only adds positions to verify, and keeps
     * the skip loop's chain of dependent loads short.
     */
    private static int pairAt(byte[] b, int i) {
        // two plain loads rather than a VarHandle's one: as fast once compiled, and far faster before (a scan's
        // first second runs interpreted and in C1, where a VarHandle access is a method-handle call)
        return ((b[i - 1] | 0x20) & 0x7f) << 7 | (b[i] | 0x20) & 0x7f;
    }

    private static int pairOf(char first, char second) {
        return ((first | 0x20) & 0x7f) << 7 | ((second | 0x20) & 0x7f);
    }


    private static boolean matchesAt(byte[] b, int at, int to, byte[] word) {
        int len = word.length;
        if (at + len > to) {
            return false;
        }
        for (int k = 0; k < len; k++) {
            if (BYTE_FOLD[b[at + k] & 0xff] != word[k]) {
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
