package dev.pitr.wal;

import dev.pitr.core.PitrException;
import dev.pitr.pg.PgBinaries;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds, through pg_waldump, the transaction a logged statement ran in: the first commit at or after the log
 * time that dropped relations (or the given xid), and the transaction's first WAL record. Stopping replay just
 * before that first record keeps every other commit and means the paused copy never holds the transaction's
 * locks (a DROP takes an AccessExclusiveLock in a Standby LOCK record well before its commit record).
 */
public final class TransactionLocator {
    private static final Pattern RECORD = Pattern.compile(
            "^rmgr: (\\S+)\\s+len .*?, tx:\\s+(\\d+), lsn: ([0-9A-F]+/[0-9A-F]+), prev \\S+, desc: (.*)$");
    private static final Pattern COMMIT = Pattern.compile("^COMMIT (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?) UTC");
    private static final Pattern LOCK = Pattern.compile("LOCK xid (\\d+) ");
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS][.SSSSS][.SSSS][.SSS][.SS][.S]");

    /** What the WAL says about the suspect transaction. */
    public record Located(long xid, String firstLsn, String commitLsn, Instant commitTime, String commitRecord,
                          int otherCommitsBetween, List<String> segments) {
    }

    private record Rec(String rmgr, long tx, Lsn lsn, String desc) {
    }

    /** How far past the start time the suspect's commit is looked for, and the most segments read for it. */
    private static final java.time.Duration LOOK_AHEAD = java.time.Duration.ofSeconds(10);
    private static final int MAX_SEGMENTS = 16;

    private final Repository repo;
    private final PgBinaries bins;

    public TransactionLocator(Repository repo, PgBinaries bins) {
        this.repo = repo;
        this.bins = bins;
    }

    /** Tries the timelines from the newest down: a log time belongs to the newest timeline archived after it. */
    public Optional<Located> locate(Instant windowStart, Instant logTime, Optional<Long> knownXid, int skip) {
        List<String> timelines = new ArrayList<>(repo.listChildren(RepositoryLayout.WAL));
        java.util.Collections.reverse(timelines);
        for (String tl : timelines) {
            if (tl.matches("[0-9A-F]{8}")) {
                Optional<Located> found = locate((int) Long.parseLong(tl, 16), windowStart, logTime, knownXid, skip);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /** Looks on {@code timeline} around {@code logTime}; empty when the WAL there holds no matching commit. */
    public Optional<Located> locate(int timeline, Instant windowStart, Instant logTime, Optional<Long> knownXid, int skip) {
        TreeMap<WalSegmentName, ObjectInfo> segs = dev.pitr.repo.TimelineLister.segments(repo, timeline);
        List<WalSegmentName> names = new ArrayList<>(segs.keySet());
        // a segment is archived after every commit in it (store times are whole seconds, hence +1 s)
        int first = -1;
        int last = names.size() - 1;
        for (int i = 0; i < names.size(); i++) {
            Instant archived = segs.get(names.get(i)).lastModified().plusSeconds(1);
            if (first < 0 && !archived.isBefore(windowStart)) {
                first = i;
            }
            if (first >= 0 && !archived.isBefore(logTime.plus(LOOK_AHEAD))) {
                last = i;
                break;
            }
        }
        if (first < 0) {
            return Optional.empty();
        }
        List<WalSegmentName> window = names.subList(Math.max(0, first - 1), Math.min(names.size(),
                Math.min(last + 2, Math.max(0, first - 1) + MAX_SEGMENTS)));
        List<Rec> records = dump(window);
        return match(records, windowStart, logTime, knownXid, skip, window.stream().map(WalSegmentName::toString).toList());
    }

    private List<Rec> dump(List<WalSegmentName> window) {
        Path dir;
        try {
            dir = Files.createTempDirectory("pitr-waldump-");
        } catch (IOException e) {
            throw PitrException.io("cannot create a temp dir for pg_waldump: " + e.getMessage(), e);
        }
        WalFetcher fetcher = new WalFetcher(repo, Optional.empty(), s -> { });
        try {
            for (WalSegmentName s : window) {
                fetcher.fetch(s.toString(), dir.resolve(s.toString()));
            }
            ProcessRunner.Result r = ProcessRunner.run(List.of(bins.tool("pg_waldump").toString(), "-p", dir.toString(),
                    window.get(0).toString(), window.get(window.size() - 1).toString()), Map.of("TZ", "UTC"),
                    Duration.ofMinutes(5));
            // pg_waldump exits non-zero at the end of valid WAL; what it printed before that is what we need
            List<Rec> out = new ArrayList<>();
            r.stdout().lines().forEach(line -> {
                Matcher m = RECORD.matcher(line);
                if (m.matches()) {
                    out.add(new Rec(m.group(1), Long.parseLong(m.group(2)), Lsn.parse(m.group(3)), m.group(4)));
                }
            });
            return out;
        } finally {
            try (var files = Files.list(dir)) {
                files.forEach(p -> p.toFile().delete());
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // temp files; the OS reclaims them
            }
        }
    }

    /**
     * The suspect's commit: with a known xid, that transaction's; otherwise the first relation-dropping commit
     * that is both at or after the printed log time and at or past position {@code skip} among the
     * relation-dropping commits since {@code windowStart} (skip = file-dropping statements logged in the window
     * before the suspect one, each of which commits after it was logged).
     */
    static Optional<Located> match(List<Rec> records, Instant windowStart, Instant logTime, Optional<Long> knownXid,
                                   int skip, List<String> segments) {
        Rec commit = null;
        Instant commitTime = null;
        int position = 0;
        for (Rec r : records) {
            if (!r.rmgr().equals("Transaction")) {
                continue;
            }
            Matcher m = COMMIT.matcher(r.desc());
            if (!m.find()) {
                continue;
            }
            Instant t = LocalDateTime.parse(m.group(1), TS).toInstant(ZoneOffset.UTC);
            if (knownXid.isPresent()) {
                if (knownXid.get() == r.tx()) {
                    commit = r;
                    commitTime = t;
                    break;
                }
                continue;
            }
            if (t.isBefore(windowStart) || !r.desc().contains("rels:")) {
                continue;
            }
            if (!t.isBefore(logTime) && position >= skip) {
                commit = r;
                commitTime = t;
                break;
            }
            position++;
        }
        if (commit == null) {
            return Optional.empty();
        }
        long xid = commit.tx();
        Lsn firstLsn = commit.lsn();
        for (Rec r : records) {
            Matcher lock = LOCK.matcher(r.desc());
            boolean ours = r.tx() == xid || r.rmgr().equals("Standby") && lock.find() && Long.parseLong(lock.group(1)) == xid;
            if (ours && r.lsn().compareTo(firstLsn) < 0) {
                firstLsn = r.lsn();
            }
        }
        Lsn start = firstLsn;
        Lsn end = commit.lsn();
        int between = (int) records.stream().filter(r -> r.rmgr().equals("Transaction") && r.tx() != xid
                && r.desc().startsWith("COMMIT") && r.lsn().compareTo(start) > 0 && r.lsn().compareTo(end) < 0).count();
        return Optional.of(new Located(xid, firstLsn.toString(), commit.lsn().toString(), commitTime,
                commit.desc().length() > 200 ? commit.desc().substring(0, 200) + "..." : commit.desc(), between, segments));
    }
}
