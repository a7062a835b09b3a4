package dev.pitr.wal;

import dev.pitr.core.PitrException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WalPageHeaderTest {
    private static final int MB16 = 16 * 1024 * 1024;
    private final WalSegmentName name = WalSegmentName.parse("000000030000000200000005").orElseThrow();

    @Test
    void readsTheLongHeader() {
        byte[] seg = SyntheticWal.segment(-42L, name, MB16);
        WalPageHeader h = WalPageHeader.read(seg, "x");
        assertThat(h.postgresMajor()).isEqualTo(15);
        assertThat(h.systemIdentifierText()).isEqualTo(Long.toUnsignedString(-42L));
        assertThat(h.segmentSize()).isEqualTo(MB16);
        h.checkMatches(name, seg.length, "x");
    }

    @Test
    void theFirstSegmentOfALaterTimelineStartsWithItsParentsPages() {
        byte[] seg = SyntheticWal.segment(7L, name, MB16);
        WalPageHeader h = WalPageHeader.read(seg, "seg");
        WalSegmentName promotedMidSegment = WalSegmentName.parse("000000040000000200000005").orElseThrow();
        h.checkMatches(promotedMidSegment, MB16, "seg");
        assertThat(h.timelineFits(promotedMidSegment)).isTrue();
    }

    @Test
    void refusesTruncatedRenamedAndForeignFiles() {
        byte[] seg = SyntheticWal.segment(7L, name, MB16);
        WalPageHeader h = WalPageHeader.read(seg, "seg");
        assertThatThrownBy(() -> h.checkMatches(name, MB16 - 8192, "seg"))
                .isInstanceOf(PitrException.class).hasMessageContaining("truncated");
        WalSegmentName other = WalSegmentName.parse("000000030000000200000006").orElseThrow();
        assertThatThrownBy(() -> h.checkMatches(other, MB16, "seg")).hasMessageContaining("renamed or damaged");
        WalSegmentName earlierTli = WalSegmentName.parse("000000020000000200000005").orElseThrow();
        assertThatThrownBy(() -> h.checkMatches(earlierTli, MB16, "seg")).hasMessageContaining("timeline");
        byte[] text = Arrays.copyOf("hello, this is not WAL at all, not even close".getBytes(), 64);
        assertThatThrownBy(() -> WalPageHeader.read(text, "notwal")).hasMessageContaining("not a PostgreSQL 13+ WAL");
        assertThatThrownBy(() -> WalPageHeader.read(new byte[3], "tiny")).hasMessageContaining("too short");
    }
}
