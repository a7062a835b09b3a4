package dev.pitr.cli;

import java.util.Arrays;

/**
 * One timeline drawn across a fixed width, stretched so that the span it labels (the first segment to the
 * last, with the times under its ends) fills it whatever its length: {@code '#'} restorable (a backup and
 * the WAL after it), {@code '='} archived, {@code '.'} missing, {@code 'B'} where a backup starts.
 */
final class TimelineBar {
    private final long lo;
    private final long hi;
    private final char[] cells;

    /** A bar over segment numbers {@code lo..hi}, {@code width} columns wide. */
    TimelineBar(long lo, long hi, int width) {
        this.lo = lo;
        this.hi = Math.max(lo, hi);
        this.cells = new char[width];
        Arrays.fill(cells, ' ');
    }

    TimelineBar archived(long from, long to) {
        return mark(from, to, '=');
    }

    TimelineBar restorable(long from, long to) {
        return mark(from, to, '#');
    }

    TimelineBar missing(long from, long to) {
        return mark(from, to, '.');
    }

    /** One column, where segment {@code at} begins. */
    TimelineBar backupStarts(long at) {
        if (at >= lo && at <= hi) {
            cells[(int) ((at - lo) * cells.length / (hi - lo + 1))] = 'B';
        }
        return this;
    }

    /** The columns of segments {@code from..to}: every column whose share of the span they touch. */
    private TimelineBar mark(long from, long to, char c) {
        long span = hi - lo + 1;
        long a = Math.max(from, lo) - lo;
        long b = Math.min(to, hi) - lo;
        if (b < a) {
            return this;
        }
        int first = (int) (a * cells.length / span);
        int last = (int) Math.max(first, ((b + 1) * cells.length + span - 1) / span - 1);
        for (int col = first; col <= Math.min(last, cells.length - 1); col++) {
            if (cells[col] != 'B') {
                cells[col] = c;
            }
        }
        return this;
    }

    /** The bar between its borders, the missing columns in red when {@code color}. */
    String render(boolean color) {
        String row = new String(cells);
        return "|" + (color ? row.replace(".", "\u001b[31m.\u001b[0m") : row) + "|";
    }
}
