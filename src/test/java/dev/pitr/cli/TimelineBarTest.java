package dev.pitr.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TimelineBarTest {
    @Test
    void aShortTimelineIsStretchedToTheWholeWidthItLabels() {
        // five segments across twenty columns: four columns each, none left blank under the axis's last time
        String bar = new TimelineBar(1, 5, 20).archived(1, 5).render(false);
        assertThat(bar).isEqualTo("|" + "=".repeat(20) + "|");
        String gap = new TimelineBar(1, 5, 20).archived(1, 2).missing(3, 3).archived(4, 5).render(false);
        assertThat(gap).isEqualTo("|========....========|");
    }

    @Test
    void theRestorableRangeAndBackupStartsAreMarkedWhereTheyLie() {
        String bar = new TimelineBar(1, 10, 10).archived(1, 10).restorable(4, 10).backupStarts(4).render(false);
        assertThat(bar).isEqualTo("|===B######|");
        String stretched = new TimelineBar(1, 5, 20).archived(1, 5).restorable(3, 5).backupStarts(3).render(false);
        assertThat(stretched).as("a backup is one column, where its segment begins").isEqualTo("|========B###########|");
    }

    @Test
    void aLongTimelineIsCompressedAndAOneSegmentGapStillShows() {
        String bar = new TimelineBar(0, 9_999, 50).archived(0, 9_999).missing(5_000, 5_000).render(false);
        assertThat(bar).hasSize(52).contains(".");
        assertThat(bar.chars().filter(c -> c == '.').count()).isEqualTo(1);
        assertThat(new TimelineBar(0, 9_999, 50).archived(0, 9_999).missing(5_000, 5_000).render(true))
                .contains("\u001b[31m.\u001b[0m");
    }
}
