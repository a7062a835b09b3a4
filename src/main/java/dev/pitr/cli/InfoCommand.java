package dev.pitr.cli;

import dev.pitr.wal.RepositoryWal;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.backup.BackupCatalog;
import dev.pitr.backup.Inventory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
import dev.pitr.crypto.Encryption;
import dev.pitr.source.BackupSource;
import dev.pitr.source.SourceCatalog;
import dev.pitr.source.Sources;
import dev.pitr.wal.ArchiveHorizon;
import dev.pitr.wal.SegmentRuns;
import picocli.CommandLine.Command;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "What can I restore to? Timelines, backups, WAL coverage, gaps and the age of the newest WAL.")
final class InfoCommand extends BaseCommand {
    private static final int WIDTH = 60;

    @Override
    int execute(Session session) {
        if (session.settings().repo().flatMap(Sources::foreignOwner).isPresent()) {
            return foreign(session, session.source());
        }
        Inventory.Snapshot snap = new Inventory(session.repository(), horizon(session)).snapshot();
        Encryption.Status encryption = Encryption.status(session.rawRepository());
        Output out = session.output();
        if (out.json()) {
            ObjectNode tree = Json.mapper().valueToTree(snap);
            tree.set("encryption", Json.mapper().valueToTree(encryption));
            out.printJson(tree);
            return 0;
        }
        out.println("repository " + session.repository().url() + snap.identity().map(i -> " (system identifier "
                + i.systemIdentifier() + ", PostgreSQL " + i.pgMajor() + ")").orElse(" (empty)"));
        out.println("encryption: " + encryption.describe());
        snap.newestSegmentAt().ifPresent(t -> out.println("newest WAL " + snap.newestSegment().orElse("") + " archived "
                + t + ", " + age(Duration.between(t, Instant.now())) + " ago (the RPO if the primary died now)"));
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        int segSize = snap.identity().map(i -> i.walSegmentSize()).orElse(16 << 20);
        for (Inventory.Timeline t : snap.timelines()) {
            for (Inventory.Run r : t.runs()) {
                lo = Math.min(lo, number(r.first(), segSize));
                hi = Math.max(hi, number(r.last(), segSize));
            }
        }
        if (lo <= hi) {
            out.println("segments " + WalSegmentName.of(1, lo, segSize).toString().substring(8) + " .. "
                    + WalSegmentName.of(1, hi, segSize).toString().substring(8)
                    + " left to right; '#' restorable, '=' archived, '.' missing, 'B' a backup starts");
        }
        for (Inventory.Timeline t : snap.timelines()) {
            out.println("");
            out.println("timeline " + t.timeline() + t.parent().map(p -> " (from timeline " + p + " at "
                    + t.forkLsn().orElse("?") + ")").orElse("") + ": " + t.segments() + " segments");
            if (lo <= hi) {
                out.println("  " + bar(t, lo, hi, segSize, out.color(), snap));
                out.println("  " + axis(t));
            }
            for (Inventory.Window w : t.windows()) {
                out.println("  restorable: " + w.from() + " .. " + w.to() + "  (backup " + w.backupId() + ", WAL "
                        + w.fromSegment() + " .. " + w.toSegment() + ")");
            }
            for (Inventory.Gap g : t.gaps()) {
                out.println("  " + red("gap: " + g.count() + " segment(s) missing, " + g.firstMissing() + " .. "
                        + g.lastMissing(), out.color()));
            }
            if (t.windows().isEmpty()) {
                out.println("  no backup on this timeline" + (t.parent().isPresent() ? " (reachable from a parent"
                        + " timeline's backup with --timeline latest)" : ""));
            }
        }
        snap.backups().stream().filter(BackupCatalog.Entry::interrupted).forEach(b ->
                out.println("incomplete backup " + b.id() + " (interrupted; never used; 'pitr expire' removes it)"));
        snap.backups().stream().flatMap(b -> b.problem().stream()).forEach(p ->
                out.println(red("unusable: " + p + " (never used; kept)", out.color())));
        if (session.repository().conditionalWritesHonoured().equals(java.util.Optional.of(false))) {
            out.println(red("the store ignores conditional writes (If-None-Match): pitr looks before every write and"
                    + " never replaces an archived object, but two archivers racing for one new segment cannot be told"
                    + " apart; archive from one cluster at a time", out.color()));
        }
        return 0;
    }

    /**
     * Where the restorable windows end is read from the archived WAL with pg_waldump; without PostgreSQL's
     * programs on this machine info shows none, and says why.
     */
    static Optional<ArchiveHorizon> horizon(Session session) {
        try {
            return Optional.of(new ArchiveHorizon(new RepositoryWal(session.repository()), session.binaries()));
        } catch (PitrException noPrograms) {
            session.output().progress("no restorable windows: they are read from the archived WAL with pg_waldump, and "
                    + noPrograms.getMessage());
            return Optional.empty();
        }
    }

    /** One row per timeline, stretched over the segments {@code lo..hi} that every row and its axis span. */
    private static String bar(Inventory.Timeline t, long lo, long hi, int segSize, boolean color, Inventory.Snapshot snap) {
        TimelineBar bar = new TimelineBar(lo, hi, WIDTH);
        for (Inventory.Run r : t.runs()) {
            bar.archived(number(r.first(), segSize), number(r.last(), segSize));
        }
        for (Inventory.Window w : t.windows()) {
            bar.restorable(number(w.fromSegment(), segSize), number(w.toSegment(), segSize));
        }
        for (Inventory.Gap g : t.gaps()) {
            bar.missing(number(g.firstMissing(), segSize), number(g.lastMissing(), segSize));
        }
        List<String> ids = new ArrayList<>(t.backups());
        snap.backups().stream().flatMap(b -> b.metadata().stream()).filter(b -> ids.contains(b.id())).forEach(b ->
                bar.backupStarts(number(b.startSegment(), segSize)));
        return bar.render(color);
    }

    /** The times under a timeline's bar: when its first and last runs were archived. */
    private static String axis(Inventory.Timeline t) {
        if (t.runs().isEmpty()) {
            return "";
        }
        String left = "^ " + t.runs().get(0).firstArchivedAt().toString().replaceAll("\\.\\d+Z$", "Z");
        String right = t.runs().get(t.runs().size() - 1).lastArchivedAt().toString().replaceAll("\\.\\d+Z$", "Z") + " ^";
        int pad = Math.max(1, WIDTH + 2 - left.length() - right.length());
        return left + " ".repeat(pad) + right;
    }

    private static long number(String segment, int segSize) {
        return number(WalSegmentName.parse(segment).orElseThrow(), segSize);
    }

    private static long number(WalSegmentName segment, int segSize) {
        return segment.segmentNumber(segSize);
    }

    private static String red(String s, boolean color) {
        return color ? "\u001b[31m" + s + "\u001b[0m" : s;
    }

    private static String age(Duration d) {
        return d.toHours() > 0 ? d.toHours() + " h " + d.toMinutesPart() + " min" : d.toMinutes() + " min " + d.toSecondsPart() + " s";
    }

    /**
     * Another tool's repository, as that tool reports it: its backups and the WAL it holds per timeline, runs and
     * gaps. Restorable windows need pitr's WAL reader over that repository (not built yet), so none are shown.
     */
    private static int foreign(Session session, BackupSource source) {
        SourceCatalog catalog = source.catalog();
        Output out = session.output();
        if (out.json()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("source", source.kind().name().toLowerCase(Locale.ROOT));
            doc.put("location", source.location());
            doc.put("read_only", true);
            doc.put("catalog", catalog);
            out.printJson(doc);
            return 0;
        }
        out.println(source.kind().tool() + " repository " + source.location() + catalog.cluster().map(c ->
                " (system identifier " + c.systemIdentifier() + ", PostgreSQL " + c.pgVersion() + ")").orElse(" (empty)")
                + ", read only");
        for (SourceCatalog.Backup b : catalog.backups()) {
            out.println("backup " + b.id() + " (" + b.type() + ")  " + b.span().startTime() + " .. " + b.span().stopTime()
                    + "  WAL " + b.firstSegment() + " .. " + b.lastSegment()
                    + (b.databaseBytes() > 0 ? "  " + Format.bytes(b.databaseBytes()) : ""));
        }
        if (catalog.backups().isEmpty() && catalog.timelines().isEmpty()) {
            out.println("no backup and no WAL there: is the name right (" + source.location() + ")?");
        }
        for (SourceCatalog.Timeline t : catalog.timelines()) {
            out.println("timeline " + t.timeline() + ": " + t.segments() + " segments");
            SegmentRuns.Run previous = null;
            for (SegmentRuns.Run r : t.runs()) {
                if (previous != null) {
                    out.println("  " + red("gap after " + previous.last() + ", until " + r.first(), out.color()));
                }
                out.println("  archived " + r.first() + " .. " + r.last() + " (" + r.count() + ")");
                previous = r;
            }
        }
        return 0;
    }
}
