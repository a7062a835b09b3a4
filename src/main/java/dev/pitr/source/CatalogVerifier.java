package dev.pitr.source;

import dev.pitr.backup.ArchiveVerifier;
import dev.pitr.wal.SegmentRuns;
import dev.pitr.wal.WalSegmentName;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Is another tool's archive whole, as far as its catalog shows: every backup's own WAL archived, and no gap
 * in a timeline after its oldest backup's start (a gap before it concerns no restore). Objects are not read
 * back: their integrity is the tool's own check ({@code pgbackrest verify}, Barman's checksums).
 */
public final class CatalogVerifier {
    private CatalogVerifier() {
    }

    public static ArchiveVerifier.Report verify(SourceCatalog catalog) {
        List<ArchiveVerifier.Problem> problems = new ArrayList<>();
        for (SourceCatalog.Backup b : catalog.backups()) {
            Optional<SourceCatalog.Timeline> tl = catalog.timelines().stream()
                    .filter(t -> t.timeline() == b.firstSegment().timeline()).findFirst();
            boolean archived = tl.map(t -> t.runs().stream().anyMatch(r -> covers(r, b.firstSegment())
                    && covers(r, b.lastSegment()))).orElse(false);
            if (!archived) {
                problems.add(new ArchiveVerifier.Problem("backup-wal-missing", b.id(), "the WAL that makes this backup"
                        + " consistent (" + b.firstSegment() + " .. " + b.lastSegment() + ") is not all archived: it"
                        + " cannot be restored", true));
            }
        }
        for (SourceCatalog.Timeline t : catalog.timelines()) {
            Optional<WalSegmentName> oldestBackup = catalog.backups().stream().map(SourceCatalog.Backup::firstSegment)
                    .filter(s -> s.timeline() == t.timeline()).min(Comparator.naturalOrder());
            for (int i = 1; i < t.runs().size(); i++) {
                SegmentRuns.Run before = t.runs().get(i - 1);
                SegmentRuns.Run after = t.runs().get(i);
                boolean matters = oldestBackup.map(o -> after.first().compareTo(o) > 0).orElse(false);
                problems.add(new ArchiveVerifier.Problem("gap", "timeline " + t.timeline(), "no WAL after "
                        + before.last() + " until " + after.first() + (matters ? ": a restore from an older backup"
                        + " cannot pass it" : " (before every backup: no restore needs it)"), matters));
            }
        }
        return new ArchiveVerifier.Report(problems, List.of(), 0);
    }

    private static boolean covers(SegmentRuns.Run run, WalSegmentName s) {
        return run.first().compareTo(s) <= 0 && run.last().compareTo(s) >= 0;
    }
}
