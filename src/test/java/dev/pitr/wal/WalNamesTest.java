package dev.pitr.wal;

import dev.pitr.core.PitrException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WalNamesTest {
    private static final int MB16 = 16 * 1024 * 1024;

    @Test
    void segmentNameRoundTripsAndMapsToLsn() {
        WalSegmentName n = WalSegmentName.parse("0000000200000001000000FF").orElseThrow();
        assertThat(n.timeline()).isEqualTo(2);
        assertThat(n.log()).isEqualTo(1);
        assertThat(n.segmentInLog()).isEqualTo(0xFF);
        assertThat(n.toString()).isEqualTo("0000000200000001000000FF");
        assertThat(n.startLsn(MB16)).hasToString("1/FF000000");
        assertThat(n.next(MB16)).hasToString("000000020000000200000000");
        assertThat(WalSegmentName.containing(2, Lsn.parse("1/FF123456"), MB16)).isEqualTo(n);
    }

    /** pgBackRest records a backup's start LSN and segment, not the size: together they say it. */
    @Test
    void theSegmentSizeFollowsFromAnLsnAndTheSegmentHoldingIt() {
        assertThat(WalSegmentName.sizeFor(Lsn.parse("0/2000028"), WalSegmentName.parse("000000010000000000000002")
                .orElseThrow())).contains(16 * 1024 * 1024);
        assertThat(WalSegmentName.sizeFor(Lsn.parse("0/4000028"), WalSegmentName.parse("000000010000000000000001")
                .orElseThrow())).contains(64 * 1024 * 1024);
        assertThat(WalSegmentName.sizeFor(Lsn.parse("1/40000028"), WalSegmentName.parse("000000030000000100000004")
                .orElseThrow())).contains(256 * 1024 * 1024);
        assertThat(WalSegmentName.sizeFor(Lsn.parse("0/2000028"), WalSegmentName.parse("000000010000000000000007")
                .orElseThrow())).as("no size puts it there").isEmpty();
    }

    @Test
    void segmentNumbersDependOnSegmentSize() {
        WalSegmentName n = WalSegmentName.of(1, 70, 64 * 1024 * 1024);
        assertThat(n).hasToString("000000010000000100000006");
        assertThat(n.segmentNumber(64 * 1024 * 1024)).isEqualTo(70);
    }

    @Test
    void rejectsWhatIsNotASegmentName() {
        assertThat(WalSegmentName.parse("00000001000000000000000")).isEmpty();
        assertThat(WalSegmentName.parse("00000001000000000000000g")).isEmpty();
        assertThat(WalSegmentName.parse("000000010000000000000001".toLowerCase().replace('1', 'a'))).isEmpty();
        assertThat(WalSegmentName.parse("000000000000000000000001")).isEmpty();
    }

    @Test
    void parsesEveryArchivedFileKind() {
        assertThat(WalFileName.parse("000000010000000000000003")).containsInstanceOf(WalFileName.Segment.class);
        assertThat(WalFileName.parse("000000010000000000000003.partial"))
                .containsInstanceOf(WalFileName.Partial.class);
        assertThat(WalFileName.parse("000000010000000000000002.00000028.backup").orElseThrow().fileName())
                .isEqualTo("000000010000000000000002.00000028.backup");
        WalFileName h = WalFileName.parse("0000000A.history").orElseThrow();
        assertThat(h).isEqualTo(new WalFileName.TimelineHistory(10));
        assertThat(h.fileName()).isEqualTo("0000000A.history");
        assertThat(WalFileName.parse("RECOVERYXLOG")).isEmpty();
        assertThat(WalFileName.parse("00000000.history")).isEmpty();
        assertThatThrownBy(() -> WalFileName.parseOrThrow("postgresql.conf"))
                .isInstanceOf(PitrException.class).hasMessageContaining("'postgresql.conf' is not a WAL file name");
    }

    @Test
    void lsnParsesPrintsAndOrdersUnsigned() {
        assertThat(Lsn.parse("16/B374D848").value()).isEqualTo(0x16B374D848L);
        assertThat(Lsn.parse("0/3000028")).hasToString("0/3000028");
        assertThat(Lsn.parse("FFFFFFFF/0")).isGreaterThan(Lsn.parse("1/0"));
        assertThatThrownBy(() -> Lsn.parse("12345")).hasMessageContaining("LSN '12345'");
    }
}
