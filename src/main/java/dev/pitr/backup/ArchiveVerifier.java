package dev.pitr.backup;

import dev.pitr.core.Parallel;
import dev.pitr.core.PitrException;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalPageHeader;
import dev.pitr.wal.WalArchive;
import dev.pitr.repo.DamagedObjectException;
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
                .map(b -> b.startSegment())
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
        boolean anyWal = snap.timelines().stream().anyMatch(t -> t.segments() > 0);
        if (!anyWal) {
            problems.add(new Problem("no-wal", RepositoryLayout.WAL, "the repository holds no WAL segment: no backup can"
                    + " be restored (is archive_command set to 'pitr wal push %p' and archive_mode on?)", true));
        }
        checkBackupsHaveWhatTheyNeed(snap, segSize, problems);
        long checked = 0;
        if (deep) {
            checked = deepCheck(problems, parallel, snap.identity().map(i -> i.systemIdentifier()));
            checked += checkBackupsReadBack(snap, parallel, problems);
        }
        return new Report(problems, switches, checked);
    }

    /**
     * Each complete backup's objects, and every segment from its start to its stop segment: the WAL runs of a
     * timeline only show gaps between segments that are there, not a missing first one.
     */
    private void checkBackupsHaveWhatTheyNeed(Inventory.Snapshot snap, int segSize, List<Problem> problems) {
        java.util.Set<String> keys = new java.util.HashSet<>();
        repo.list(RepositoryLayout.WAL).forEach(o -> keys.add(o.key()));
        repo.list(RepositoryLayout.BACKUPS).forEach(o -> keys.add(o.key()));
        for (BackupMetadata b : snap.backups().stream().flatMap(e -> e.metadata().stream()).toList()) {
            for (String key : java.util.stream.Stream.concat(b.files().stream().map(BackupMetadata.BackupFile::key),
                    java.util.stream.Stream.of(b.manifestKey())).toList()) {
                if (!keys.contains(key)) {
                    problems.add(new Problem("missing-backup-file", key, "backup " + b.id() + " cannot be restored"
                            + " without it", true));
                }
            }
            WalSegmentName seg = b.startSegment();
            WalSegmentName stop = b.stopSegment();
            for (int n = 0; n < 100_000 && seg.compareTo(stop) <= 0; n++, seg = seg.next(segSize)) {
                String key = WalArchive.keyOf(WalFileName.parse(seg.toString()).orElseThrow());
                if (!keys.contains(key)) {
                    problems.add(new Problem("missing-backup-wal", seg.toString(), "backup " + b.id() + " needs it to"
                            + " become consistent: it cannot be restored at all", true));
                }
            }
        }
    }

    /** Every complete backup read back whole ({@link BackupVerifier}): a damaged one is found before a restore needs it. */
    private long checkBackupsReadBack(Inventory.Snapshot snap, int parallel, List<Problem> problems) {
        BackupVerifier verifier = new BackupVerifier(repo);
        long objects = 0;
        for (BackupMetadata b : snap.backups().stream().flatMap(e -> e.metadata().stream()).toList()) {
            BackupVerifier.Result r = verifier.verify(b, parallel);
            objects += r.objects();
            r.damage().forEach(d -> problems.add(new Problem("damaged-backup", d.key(), "backup " + b.id() + ": "
                    + d.detail() + "; it cannot be restored (see 'pitr backup verify')", true)));
        }
        return objects;
    }

    /**
     * Downloads every WAL object, checks its SHA-256 and that the segment inside is this cluster's WAL at the
     * position its name says (a foreign or renamed segment makes replay stop or hang), in parallel.
     */
    private long deepCheck(List<Problem> problems, int parallel, java.util.Optional<String> systemIdentifier) {
        List<ObjectInfo> objects = repo.list(RepositoryLayout.WAL).stream()
                .filter(o -> WalArchive.fileOf(o.key()).isPresent()).toList();
        Parallel.map(objects, parallel, o -> {
            try {
                byte[] wal = WalObjectFormat.decode(repo.getBytes(o.key()).orElseThrow());
                var name = WalArchive.fileOf(o.key()).filter(f -> f instanceof WalFileName.Segment)
                        .flatMap(WalFileName::segmentName); // .partial/.backup/.history are not whole WAL
                if (name.isPresent()) {
                    try {
                        WalPageHeader h = WalPageHeader.read(wal, o.key());
                        h.checkMatches(name.get(), wal.length, o.key());
                        if (systemIdentifier.isPresent() && !systemIdentifier.get().equals(h.systemIdentifierText())) {
                            return java.util.Optional.of(new Problem("foreign-wal", o.key(), "from the cluster with"
                                    + " system identifier " + h.systemIdentifierText() + ", not this repository's "
                                    + systemIdentifier.get(), true));
                        }
                    } catch (PitrException wrong) {
                        return java.util.Optional.of(new Problem("wrong-segment", o.key(), wrong.getMessage(), true));
                    }
                }
                return java.util.Optional.<Problem>empty();
            } catch (WalObjectFormat.CorruptObjectException | DamagedObjectException ex) {
                return java.util.Optional.of(new Problem("corrupt", o.key(), ex.getMessage(), true));
            }
        }).forEach(p -> p.ifPresent(problems::add));
        return objects.size();
    }
}
