package dev.pitr.backup;

import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;
import dev.pitr.wal.WalObjectFormat;
import dev.pitr.wal.WalSegmentName;

import java.util.ArrayList;
import java.util.List;

/** {@code pitr wal verify}: is everything a restore of any complete backup needs actually there and intact? */
public final class ArchiveVerifier {
    /** One finding; {@code blocking} ones make a restore fail somewhere (exit 3). */
    public record Problem(String kind, String object, String detail, boolean blocking) {
    }

    public record Report(List<Problem> problems, List<String> timelineSwitches, long segmentsChecked) {
        public boolean whole() {
            return problems.stream().noneMatch(Problem::blocking);
        }
    }

    private final Repository repo;

    public ArchiveVerifier(Repository repo) {
        this.repo = repo;
    }

    public Report verify(boolean deep, int parallel) {
        Inventory.Snapshot snap = new Inventory(repo).snapshot();
        List<Problem> problems = new ArrayList<>();
        List<String> switches = new ArrayList<>();
        int segSize = snap.identity().map(i -> i.walSegmentSize()).orElse(16 * 1024 * 1024);
        WalSegmentName earliestStart = snap.backups().stream().flatMap(e -> e.metadata().stream())
                .map(b -> WalSegmentName.parse(b.startSegment()).orElseThrow())
                .min((a, b) -> Long.compare(a.segmentNumber(segSize), b.segmentNumber(segSize))).orElse(null);
        for (Inventory.Timeline t : snap.timelines()) {
            if (t.timeline() > 1 && !t.historyFile()) {
                problems.add(new Problem("missing-history", String.format("%08X.history", t.timeline()),
                        "timeline " + t.timeline() + " has WAL but no history file: recovery cannot follow it", true));
            }
            t.parent().ifPresent(p -> switches.add("timeline " + p + " -> " + t.timeline() + " at " + t.forkLsn().orElse("?")));
            for (Inventory.Gap g : t.gaps()) {
                boolean needed = earliestStart != null && WalSegmentName.parse(g.lastMissing()).orElseThrow()
                        .segmentNumber(segSize) >= earliestStart.segmentNumber(segSize);
                problems.add(new Problem("missing-segments", g.firstMissing() + (g.count() > 1 ? ".." + g.lastMissing() : ""),
                        g.count() + " segment(s) missing on timeline " + t.timeline()
                                + (needed ? ": restores past this point are impossible" : " (before every backup)"), needed));
            }
            for (String u : t.unrecognized()) {
                problems.add(new Problem("unrecognized", u, "not a WAL object of this layout", false));
            }
        }
        for (BackupCatalog.Entry e : snap.backups()) {
            if (e.metadata().isEmpty()) {
                problems.add(new Problem("incomplete-backup", RepositoryLayout.BACKUPS + e.id(),
                        "no backup.json: interrupted; never used for a restore ('pitr expire' removes it)", false));
            }
        }
        long checked = 0;
        if (deep) {
            checked = deepCheck(problems, parallel);
        }
        return new Report(problems, switches, checked);
    }

    /** Downloads every WAL object and checks its SHA-256, in parallel. */
    private long deepCheck(List<Problem> problems, int parallel) {
        List<ObjectInfo> objects = repo.list(RepositoryLayout.WAL).stream()
                .filter(o -> RepositoryLayout.walFileOf(o.key()).isPresent()).toList();
        dev.pitr.core.Parallel.map(objects, parallel, o -> {
            try {
                WalObjectFormat.decode(repo.getBytes(o.key()).orElseThrow());
                return java.util.Optional.<Problem>empty();
            } catch (WalObjectFormat.CorruptObjectException ex) {
                return java.util.Optional.of(new Problem("corrupt", o.key(), ex.getMessage(), true));
            }
        }).forEach(p -> p.ifPresent(problems::add));
        return objects.size();
    }
}
