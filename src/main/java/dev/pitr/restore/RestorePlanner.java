package dev.pitr.restore;

import dev.pitr.core.PitrException;
import dev.pitr.source.BackupSource;
import dev.pitr.source.SourceCatalog;
import dev.pitr.source.ToolSource;
import dev.pitr.wal.ArchiveHorizon;
import dev.pitr.wal.HistoryFile;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Chooses the backup and the WAL for a target, and refuses targets the repository cannot reach (before the
 * first backup, inside a WAL gap, after the newest archived commit) before anything is changed. It reads the
 * repository through the source seam, so the same plan is made over pitr's repository and another tool's.
 */
public final class RestorePlanner {
    private final BackupSource source;
    private final WalSource wal;
    private final String environment;
    private final ArchiveHorizon horizon;

    public RestorePlanner(BackupSource source, String environment, ArchiveHorizon horizon) {
        this.source = source;
        this.wal = source.wal();
        this.environment = environment;
        this.horizon = horizon;
    }

    /**
     * Where replay ends: the timeline it follows to the end and, on it, the run of archived segments it replays
     * last (from where that timeline begins, or from the backup on the backup's own timeline), then the first
     * segment missing after that run and where the archive resumes after the gap, if it does.
     */
    record ReplayPath(int timeline, List<WalSegmentName> run, WalSegmentName firstMissing,
                      Optional<WalSegmentName> afterGap) {
    }

    public RestorePlan plan(RestoreRequest req) {
        Path pgdata = req.pgdata().toAbsolutePath().normalize();
        if (Files.exists(pgdata) && !Files.isDirectory(pgdata)) {
            throw PitrException.usage("--pgdata " + pgdata + " is a file, not a directory: give a new or empty directory"
                    + " for the restored copy; nothing was changed");
        }
        if (source instanceof ToolSource && (req.inPlace() || req.delta() || !req.tablespaceMap().isEmpty())) {
            throw PitrException.usage("restores from " + source.location() + " (" + source.kind().tool() + "'s"
                    + " repository) go into a new directory, tablespaces beside it: drop --in-place, --delta and"
                    + " --tablespace-map; nothing was changed");
        }
        SourceCatalog catalog = source.catalog();
        SourceCatalog.Cluster cluster = catalog.cluster().orElseThrow(() -> PitrException.usage("repository "
                + source.location() + " is empty: nothing has been archived or backed up there yet"));
        List<SourceCatalog.Backup> backups = catalog.backups().stream()
                .sorted(Comparator.comparing((SourceCatalog.Backup b) -> b.span().stopTime())).toList();
        if (backups.isEmpty()) {
            throw PitrException.usage("no complete backup in " + source.location() + ": take one with "
                    + (source instanceof ToolSource ? source.kind().tool() : "'pitr backup create'"));
        }
        SourceCatalog.Backup backup = chooseBackup(req, backups);
        int segSize = cluster.walSegmentSize();

        TreeMap<WalSegmentName, Instant> onTimeline = wal.segments(backup.timeline());
        WalSegmentName start = backup.firstSegment();
        WalSegmentName stop = backup.lastSegment();
        List<String> files = new ArrayList<>();
        WalSegmentName cursor = start;
        Instant lastInRun = null;
        Optional<Instant> stopAfter = req.target() instanceof RecoveryTarget.Time t ? Optional.of(t.at()) : Optional.empty();
        int beyondTarget = 0;
        while (onTimeline.containsKey(cursor)) {
            Instant stored = onTimeline.get(cursor);
            // a time target needs WAL up to the first segment archived after it, plus one (the first commit at
            // or after the target may start the next segment); later ones are fetched only if replay asks
            if (beyondTarget < 2) {
                files.add(cursor.toString());
            }
            if (beyondTarget > 0 || cursor.compareTo(stop) >= 0
                    && stopAfter.map(t -> !stored.plusSeconds(1).isBefore(t)).orElse(false)) {
                beyondTarget++;
            }
            lastInRun = stored;
            cursor = cursor.next(segSize);
        }
        if (lastInRun == null || cursor.compareTo(stop) <= 0) {
            throw PitrException.verification("backup " + backup.id() + " cannot be made consistent: WAL segment "
                    + cursor + " (needed up to " + stop + ") is missing from " + source.location()
                    + " (run 'pitr wal verify')");
        }
        WalSegmentName firstMissing = cursor;
        ReplayPath path = replayPath(req.timeline(), backup, onTimeline, firstMissing, segSize);
        checkReachable(req, path, backup);
        files.addAll(laterTimelines(backup.timeline(), start, segSize));

        Map<String, String> settings = new LinkedHashMap<>(req.target().settings());
        if (!(req.target() instanceof RecoveryTarget.Latest) && !(req.target() instanceof RecoveryTarget.Immediate)) {
            settings.put("recovery_target_inclusive", req.inclusive() ? "on" : "off");
        }
        settings.put("recovery_target_timeline", req.timeline());
        if (!(req.target() instanceof RecoveryTarget.Latest)) {
            settings.put("recovery_target_action", "pause");
        }
        settings.put("archive_mode", "off");
        settings.put("hot_standby", "on");
        // the copy replays the archive and nothing else: a backup carries the configuration of the server it was
        // taken from, and a delayed standby's would hold each recent commit back (an hour with 1h), a replica's
        // would stream from production past the target and use its replication slot
        settings.put("recovery_min_apply_delay", "0");
        settings.put("primary_conninfo", "");
        settings.put("primary_slot_name", "");

        long walBytes = (long) files.size() * segSize;
        long needed = (long) ((backup.databaseBytes() + 2 * walBytes) * 1.1);
        int port = req.port().orElseGet(RestorePlanner::freePort);
        Optional<Path> movedAside = req.inPlace() ? Optional.of(pgdata.resolveSibling(pgdata.getFileName() + ".before-pitr-"
                + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(java.time.ZoneOffset.UTC)
                .format(Instant.now()))) : Optional.empty();
        return new RestorePlan(
                new RestorePlan.Source(source.location(), backup.id(), backup.span().stopTime(), backup.span().stopLsn(),
                        backup.timeline(), cluster.systemIdentifier(), cluster.pgMajor(), segSize, backup.databaseBytes()),
                new RestorePlan.Stop(req.target(), req.inclusive(), req.timeline(), settings),
                new RestorePlan.Destination(pgdata, RestorePlan.stateDirFor(pgdata), port, movedAside, req.delta(),
                        tablespaces(backup, req.tablespaceMap()), needed, freeSpace(pgdata)),
                new RestorePlan.Wal(files, walBytes), req.checks(), environment, req.subject());
    }

    /**
     * Where each of the backup's tablespaces goes. Every one must be mapped (OLD=NEW, OLD the location or the
     * OID): the default, the original location, would be the live cluster's own tablespace directory.
     */
    private Map<String, Path> tablespaces(SourceCatalog.Backup backup, Map<String, String> mapping) {
        Map<String, String> had = source.tablespaces(backup.id());
        Map<String, Path> out = new java.util.TreeMap<>();
        for (Map.Entry<String, String> t : had.entrySet()) {
            String to = mapping.getOrDefault(t.getValue(), mapping.get(t.getKey()));
            if (to == null) {
                throw PitrException.usage("backup " + backup.id() + " has tablespace " + t.getKey() + " at " + t.getValue()
                        + ": pass --tablespace-map " + t.getValue() + "=NEWDIR (a restore never writes into the"
                        + " cluster's own tablespace directories); nothing was changed");
            }
            out.put(t.getKey(), Path.of(to).toAbsolutePath().normalize());
        }
        for (String from : mapping.keySet()) {
            if (!had.containsKey(from) && !had.containsValue(from)) {
                throw PitrException.usage("--tablespace-map " + from + "=...: backup " + backup.id() + " has no such"
                        + " tablespace (it has: " + (had.isEmpty() ? "none" : String.join(", ", had.values())) + ")");
            }
        }
        return out;
    }

    private SourceCatalog.Backup chooseBackup(RestoreRequest req, List<SourceCatalog.Backup> backups) {
        if (req.backupId().isPresent()) {
            return backups.stream().filter(b -> b.id().equals(req.backupId().get())).findFirst()
                    .orElseThrow(() -> PitrException.usage("backup '" + req.backupId().get()
                            + "' is not a complete backup of this cluster in " + source.location()
                            + " (see 'pitr backup list')"));
        }
        RecoveryTarget t = req.target();
        List<SourceCatalog.Backup> candidates = backups;
        if (t instanceof RecoveryTarget.Time time) {
            candidates = backups.stream().filter(b -> !b.span().stopTime().isAfter(time.at())).toList();
            if (candidates.isEmpty()) {
                throw PitrException.usage("target " + t.describe() + " is before the first backup finished ("
                        + backups.get(0).id() + " at " + backups.get(0).span().stopTime() + "): nothing can restore to"
                        + " it; " + windows(backups));
            }
        } else if (t instanceof RecoveryTarget.AtLsn lsn) {
            Lsn target = lsn.lsn();
            candidates = backups.stream().filter(b -> b.span().stopLsn().compareTo(target) <= 0).toList();
            if (candidates.isEmpty()) {
                throw PitrException.usage("target " + t.describe() + " is before the end of the first backup ("
                        + backups.get(0).span().stopLsn() + "); " + windows(backups));
            }
        }
        return candidates.get(candidates.size() - 1);
    }

    /**
     * The timeline replay follows to its end, as PostgreSQL chooses it ({@code latest}: the newest history file
     * probed upwards), and the archived run it ends with. A later timeline must have left the backup's timeline
     * after the backup ended, and the backup's timeline must be archived up to the segment where it was left
     * (the first segment of the new timeline holds the rest of the old one's pages).
     */
    private ReplayPath replayPath(String timeline, SourceCatalog.Backup backup, TreeMap<WalSegmentName, Instant> onBackupTl,
                                  WalSegmentName firstMissing, int segSize) {
        int target = switch (timeline) {
            case "current" -> backup.timeline();
            case "latest" -> wal.latestFrom(backup.timeline());
            default -> Integer.parseInt(timeline);
        };
        if (target == backup.timeline()) {
            return new ReplayPath(target, runFrom(onBackupTl, backup.firstSegment(), segSize), firstMissing,
                    Optional.ofNullable(onBackupTl.ceilingKey(firstMissing)));
        }
        HistoryFile history = wal.history(target).orElseThrow(() -> PitrException.verification("timeline " + target
                + " has no readable history file in " + source.location() + ": recovery cannot follow it (run 'pitr wal"
                + " verify --deep')"));
        HistoryFile.Entry leaving = history.entries().stream().filter(e -> e.parent() == backup.timeline()).findFirst()
                .orElseThrow(() -> PitrException.usage("timeline " + target + " does not descend from timeline "
                        + backup.timeline() + " of backup " + backup.id() + ": restore with --timeline "
                        + backup.timeline() + ", or from a backup taken on timeline " + target + "'s line"));
        if (leaving.switchPoint().compareTo(backup.span().stopLsn()) < 0) {
            throw PitrException.usage("timeline " + target + " left timeline " + backup.timeline() + " at "
                    + leaving.switchPoint() + ", before backup " + backup.id() + " ended (" + backup.span().stopLsn()
                    + "): restore from a backup taken after the switch, or with --timeline " + backup.timeline());
        }
        WalSegmentName forkSegment = WalSegmentName.containing(backup.timeline(), leaving.switchPoint(), segSize);
        Lsn began = history.entries().get(history.entries().size() - 1).switchPoint();
        TreeMap<WalSegmentName, Instant> segments = wal.segments(target);
        if (firstMissing.compareTo(forkSegment) < 0) { // replay stops at the gap, before it reaches the later timeline
            return new ReplayPath(backup.timeline(), runFrom(onBackupTl, backup.firstSegment(), segSize), firstMissing,
                    Optional.ofNullable(onBackupTl.ceilingKey(firstMissing))
                            .or(() -> Optional.ofNullable(segments.ceilingKey(WalSegmentName.containing(target, began, segSize)))));
        }
        List<WalSegmentName> run = runFrom(segments, WalSegmentName.containing(target, began, segSize), segSize);
        WalSegmentName missing = run.isEmpty() ? WalSegmentName.containing(target, began, segSize)
                : run.get(run.size() - 1).next(segSize);
        return new ReplayPath(target, run, missing, Optional.ofNullable(segments.ceilingKey(missing)));
    }

    /** The segments archived one after the other from {@code first}. */
    private static List<WalSegmentName> runFrom(TreeMap<WalSegmentName, Instant> segments, WalSegmentName first,
                                                int segSize) {
        List<WalSegmentName> run = new ArrayList<>();
        for (WalSegmentName s = first; segments.containsKey(s); s = s.next(segSize)) {
            run.add(s);
        }
        return run;
    }

    /**
     * Whether replay can reach the target. A time target is reached only at a commit (or abort) at or after it
     * (after it, with an inclusive target), so the archive must hold one: a target past the newest archived
     * commit would replay to the end of the archive and end there, missing whatever the primary committed
     * before the target in WAL not archived yet (archiving lags a busy primary, so the last segment's archive
     * time proves nothing about the WAL after it).
     */
    private void checkReachable(RestoreRequest req, ReplayPath path, SourceCatalog.Backup backup) {
        RecoveryTarget t = req.target();
        if (t instanceof RecoveryTarget.Latest && path.afterGap().isPresent()) {
            throw PitrException.verification("the latest archived WAL cannot be reached from backup " + backup.id()
                    + ": WAL segment " + path.firstMissing() + " is missing (segments resume at " + path.afterGap().get()
                    + "); run 'pitr wal verify', or restore to a time before the gap");
        }
        if (!(t instanceof RecoveryTarget.Time time)) {
            return;
        }
        Optional<ArchiveHorizon.Horizon> newest = horizon.lastCommit(path.run());
        boolean reached = newest.map(h -> req.inclusive() ? h.lastCommit().isAfter(time.at())
                : !h.lastCommit().isBefore(time.at())).orElse(false);
        if (reached) {
            return;
        }
        String lastCommit = newest.map(h -> "the newest archived commit (" + h.lastCommit() + ", in " + h.segment() + ")")
                .orElse("every commit archived on timeline " + path.timeline() + " (none in its last "
                        + Math.min(path.run().size(), 16) + " segment(s))");
        String where = path.afterGap().isPresent()
                ? "inside a WAL gap: segments " + path.firstMissing() + " .. before " + path.afterGap().get()
                + " are missing, and it lies after " + lastCommit + " before them"
                : "after " + lastCommit;
        throw PitrException.usage("target " + t.describe() + " lies " + where + ": nothing archived shows what was"
                + " committed between that commit and the target, so a restore would end short of it; restorable from"
                + " backup " + backup.id() + ": " + backup.span().stopTime() + " .. " + newest.map(h -> h.lastCommit()
                .toString()).orElse("(no commit)") + (path.afterGap().isPresent() ? "" : "; the WAL after it is not"
                + " archived yet: run SELECT pg_switch_wal() on the primary, wait for it to be archived and plan"
                + " again, or restore everything archived with --target-latest"));
    }

    private String windows(List<SourceCatalog.Backup> backups) {
        StringBuilder sb = new StringBuilder("backups end at:");
        backups.forEach(b -> sb.append(' ').append(b.id()).append('@').append(b.span().stopTime()));
        return sb.toString();
    }

    /** History files and segments of later timelines that fork after the backup (for timeline 'latest' or N). */
    private List<String> laterTimelines(int backupTimeline, WalSegmentName start, int segSize) {
        List<String> out = new ArrayList<>();
        for (int tl : wal.timelines()) {
            if (tl <= backupTimeline) {
                continue;
            }
            if (wal.hasHistory(tl)) {
                out.add(new WalFileName.TimelineHistory(tl).fileName());
            }
            wal.segments(tl).keySet().stream().filter(s -> s.segmentNumber(segSize) >= start.segmentNumber(segSize))
                    .forEach(s -> out.add(s.toString()));
        }
        return out;
    }

    private static long freeSpace(Path pgdata) {
        Path p = pgdata;
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        try {
            return p == null ? 0 : Files.getFileStore(p).getUsableSpace();
        } catch (IOException e) {
            return 0;
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw PitrException.io("cannot find a free port: " + e.getMessage(), e);
        }
    }
}
