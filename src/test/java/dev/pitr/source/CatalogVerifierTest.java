package dev.pitr.source;

import dev.pitr.backup.ArchiveVerifier;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.SegmentRuns;
import dev.pitr.wal.WalSegmentName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class CatalogVerifierTest {
    private static final int MB16 = 16 << 20;

    private static WalSegmentName seg(long n) {
        return WalSegmentName.of(1, n, MB16);
    }

    private static SourceCatalog.Backup backup(String id, long first, long last) {
        return new SourceCatalog.Backup(id, "full", new SourceCatalog.Span(Lsn.parse("0/2000028"), Lsn.parse("0/2000100"),
                Instant.EPOCH, Instant.EPOCH), seg(first), seg(last), 0);
    }

    private static SourceCatalog catalog(List<SourceCatalog.Backup> backups, List<WalSegmentName> segments) {
        return new SourceCatalog(Optional.of(new SourceCatalog.Cluster("42", "15", 16 * 1024 * 1024)), backups,
                List.of(new SourceCatalog.Timeline(1, SegmentRuns.of(segments, MB16))));
    }

    @Test
    void aGapAfterTheOldestBackupBlocksAndOneBeforeItIsANote() {
        // segments 1-2, gap 3, 4-6, gap 7-8, 9: the only backup starts at 5
        ArchiveVerifier.Report report = CatalogVerifier.verify(catalog(List.of(backup("b", 5, 5)),
                List.of(seg(1), seg(2), seg(4), seg(5), seg(6), seg(9))));
        assertThat(report.whole()).isFalse();
        assertThat(report.problems()).extracting(ArchiveVerifier.Problem::blocking).containsExactly(false, true);
        assertThat(report.problems().get(1).detail()).contains("no WAL after " + seg(6) + " until " + seg(9));
    }

    @Test
    void aBackupWhoseOwnWalIsMissingCannotBeRestored() {
        ArchiveVerifier.Report report = CatalogVerifier.verify(catalog(List.of(backup("b", 3, 4)),
                List.of(seg(1), seg(2), seg(3))));
        assertThat(report.whole()).isFalse();
        assertThat(report.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo("backup-wal-missing");
            assertThat(p.object()).isEqualTo("b");
        });
        assertThat(CatalogVerifier.verify(catalog(List.of(backup("b", 2, 3)), List.of(seg(1), seg(2), seg(3)))).whole())
                .isTrue();
    }
}
