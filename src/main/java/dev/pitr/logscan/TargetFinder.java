package dev.pitr.logscan;

import dev.pitr.core.PitrException;
import dev.pitr.restore.RecoveryTarget;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** {@code pitr target find}: scans the server logs, ranks the suspect statements and recommends a target. */
public final class TargetFinder {
    private static final Pattern LOGGED_SQL = Pattern.compile(
            "^(?:duration: [\\d.]+ ms\\s+)?(?:statement|execute [^:]*): (.*)$", Pattern.DOTALL);

    /** The ranked candidates, the recommendation for the best one, and what the scan skipped. */
    public record Result(List<Candidate> candidates, Optional<Recommendation> recommendation, ScanStats stats,
                         List<Candidate> relationDroppers) {
        public Result(List<Candidate> candidates, Optional<Recommendation> recommendation, ScanStats stats) {
            this(candidates, recommendation, stats, List.of());
        }
    }

    /** Statements whose commit drops relation files (what pg_waldump shows as "rels:"), in log order. */
    private static final java.util.Set<DestructiveStatement.Kind> DROPS_FILES = java.util.EnumSet.of(
            DestructiveStatement.Kind.DROP_TABLE, DestructiveStatement.Kind.DROP_INDEX, DestructiveStatement.Kind.TRUNCATE);
    /** How far back file-dropping statements are aligned with the WAL's relation-dropping commits. */
    static final java.time.Duration ALIGN_WINDOW = java.time.Duration.ofSeconds(2);

    public Result find(TargetQuery q) {
        ScanStats stats = new ScanStats();
        LogReader reader = new LogReader(q.format(), q.prefix(), q.logZone(), stats, interest(q));
        List<Candidate> found = new ArrayList<>();
        List<Candidate> droppers = new ArrayList<>();
        Map<Integer, Integer> lastByPid = new HashMap<>();
        for (Path file : logFiles(q.logs())) {
            reader.read(file, e -> {
                consider(q, e, found, lastByPid);
                noteDropper(e, droppers);
            });
        }
        found.sort(Comparator.comparingInt(Candidate::score).reversed()
                .thenComparing(Candidate::time, Comparator.nullsLast(Comparator.reverseOrder())));
        return new Result(found, found.stream().filter(c -> !c.failed()).findFirst().map(TargetFinder::recommend), stats,
                droppers);
    }

    private static void noteDropper(LogEntry e, List<Candidate> droppers) {
        if (!"LOG".equals(e.severity()) || e.time() == null) {
            return;
        }
        Matcher m = LOGGED_SQL.matcher(e.message());
        if (m.matches() && SqlClassifier.classify(m.group(1)).stream().anyMatch(d -> DROPS_FILES.contains(d.kind()))) {
            droppers.add(new Candidate(e.time(), e.timeText(), e.precision(), e.database(), e.user(), e.pid(), e.session(),
                    e.xid(), m.group(1).strip(), "", List.of(), false, 0, e.file() + ":" + e.line()));
        }
    }

    /**
     * How many file-dropping statements were logged in the {@link #ALIGN_WINDOW} before {@code c} (in log
     * order). Each commits after it was logged, so the WAL's relation-dropping commits from the window's start
     * on line up with them, and the suspect's commit is the next one.
     */
    static int droppersBefore(Candidate c, List<Candidate> droppers) {
        java.time.Instant from = c.time().minus(ALIGN_WINDOW);
        int n = 0;
        for (Candidate d : droppers) {
            if (d.location().equals(c.location())) {
                return n;
            }
            if (!d.time().isBefore(from)) {
                n++;
            }
        }
        return n;
    }

    private static final List<String> DESTRUCTIVE_WORDS = List.of("drop", "truncate", "delete", "update", "alter");

    /** A superset test on a message's raw text: could it be (or fail) a statement this query looks for? */
    static java.util.function.Predicate<String> interest(TargetQuery q) {
        if (q.statement().isPresent()) {
            Pattern p = q.statement().get();
            return text -> p.matcher(text).find();
        }
        // with a table, also every statement that drops files: the WAL refinement needs their order
        List<String> words = q.table().map(t -> List.of(t.name().toLowerCase(java.util.Locale.ROOT), "drop", "truncate",
                "alter")).orElse(DESTRUCTIVE_WORDS);
        return text -> {
            for (String w : words) {
                if (containsIgnoreCase(text, w)) {
                    return true;
                }
            }
            return false;
        };
    }

    /** {@code lowerWord} in {@code text}, ignoring case, without copying the text (this runs on every message). */
    static boolean containsIgnoreCase(String text, String lowerWord) {
        char first = lowerWord.charAt(0);
        char firstUpper = Character.toUpperCase(first);
        int last = text.length() - lowerWord.length();
        for (int i = 0; i <= last; i++) {
            char c = text.charAt(i);
            if ((c == first || c == firstUpper) && text.regionMatches(true, i + 1, lowerWord, 1, lowerWord.length() - 1)) {
                return true;
            }
        }
        return false;
    }

    private void consider(TargetQuery q, LogEntry e, List<Candidate> found, Map<Integer, Integer> lastByPid) {
        Optional<String> failedSql = failedStatement(e);
        if (failedSql.isPresent()) { // the statement logged at its start did not commit: rank it down
            Integer idx = e.pid() == null ? null : lastByPid.get(e.pid());
            if (idx != null && found.get(idx).sql().strip().equals(failedSql.get().strip())) {
                found.set(idx, found.get(idx).markFailed());
            }
            return;
        }
        if (!"LOG".equals(e.severity())) {
            return;
        }
        Matcher m = LOGGED_SQL.matcher(e.message());
        if (!m.matches() || e.time() == null) {
            return;
        }
        String sql = m.group(1);
        if (q.database().isPresent() && e.database() != null && !q.database().get().equals(e.database())
                || q.user().isPresent() && e.user() != null && !q.user().get().equals(e.user())
                || q.since().isPresent() && e.time().isBefore(q.since().get())
                || q.until().isPresent() && e.time().isAfter(q.until().get())) {
            return;
        }
        List<DestructiveStatement> destructive = SqlClassifier.classify(sql);
        int score;
        String kind;
        List<String> objects = new ArrayList<>();
        destructive.forEach(d -> d.objects().forEach(o -> objects.add(o.toString())));
        if (q.table().isPresent()) {
            Optional<DestructiveStatement> hit = destructive.stream()
                    .filter(d -> d.objects().stream().anyMatch(o -> o.matches(q.table().get()))).findFirst();
            if (hit.isEmpty()) {
                return;
            }
            score = 100 + hit.get().kind().weight();
            kind = hit.get().kind().name();
        } else if (q.statement().isPresent()) {
            if (!q.statement().get().matcher(sql).find()) {
                return;
            }
            score = 20 + destructive.stream().mapToInt(d -> d.kind().weight()).max().orElse(0);
            kind = destructive.isEmpty() ? "MATCH" : destructive.get(0).kind().name();
        } else {
            if (destructive.isEmpty()) {
                return;
            }
            DestructiveStatement top = destructive.stream().max(Comparator.comparingInt(d -> d.kind().weight())).get();
            score = top.kind().weight() + (top.cascade() ? 5 : 0);
            kind = top.kind().name();
        }
        found.add(new Candidate(e.time(), e.timeText(), e.precision(), e.database(), e.user(), e.pid(), e.session(),
                e.xid() != null && e.xid() > 0 ? e.xid() : null, sql.strip(), kind, objects, false, score,
                e.file() + ":" + e.line()));
        if (e.pid() != null) {
            lastByPid.put(e.pid(), found.size() - 1);
        }
    }

    /** A STATEMENT line (stderr) or an ERROR row's query column (csv/json): that statement failed. */
    private static Optional<String> failedStatement(LogEntry e) {
        if ("STATEMENT".equals(e.severity())) {
            return Optional.of(e.message());
        }
        if (("ERROR".equals(e.severity()) || "FATAL".equals(e.severity())) && e.query() != null) {
            return Optional.of(e.query());
        }
        return Optional.empty();
    }

    /**
     * Sharpens the recommendation with the WAL: the transaction's first record becomes an exclusive LSN target,
     * so replay keeps every other commit and the paused copy never holds the transaction's locks.
     */
    public Result refineWithWal(Result result, dev.pitr.wal.TransactionLocator locator) {
        Optional<Candidate> best = result.candidates().stream().filter(c -> !c.failed()).findFirst();
        if (best.isEmpty()) {
            return result;
        }
        Candidate c = best.get();
        int skip = droppersBefore(c, result.relationDroppers());
        return locator.locate(c.time().minus(ALIGN_WINDOW), c.time(), Optional.ofNullable(c.xid()), skip)
                .map(l -> new Result(result.candidates(), Optional.of(fromWal(c, l, skip)), result.stats(),
                        result.relationDroppers()))
                .orElse(result);
    }

    static Recommendation fromWal(Candidate c, dev.pitr.wal.TransactionLocator.Located l, int alignedPast) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("recovery_target_lsn", l.firstLsn());
        settings.put("recovery_target_inclusive", "off");
        return new Recommendation("lsn", l.xid(), c.time(), false,
                "exact: stops at " + l.firstLsn() + ", the first WAL record of transaction " + l.xid() + " (committed "
                        + l.commitTime() + " at " + l.commitLsn() + "); other commits lost in between: "
                        + l.otherCommitsBetween(),
                "WAL segments " + l.segments() + " show transaction " + l.xid() + " committing at " + l.commitLsn()
                        + " (" + l.commitRecord() + ")" + (alignedPast == 0 ? "" : "; matched past " + alignedPast
                        + " file-dropping statement(s) logged in the " + ALIGN_WINDOW.toSeconds() + " s before"), settings);
    }

    static Recommendation recommend(Candidate c) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (c.xid() != null) {
            settings.put("recovery_target_xid", c.xid().toString());
            settings.put("recovery_target_inclusive", "off");
            return new Recommendation("xid", c.xid(), c.time(), false, "exact: only transaction " + c.xid() + " is excluded",
                    "the log names the statement's transaction (xid " + c.xid() + "); replay stops just before it commits",
                    settings);
        }
        Instant t = c.time();
        settings.put("recovery_target_time", RecoveryTarget.PG_TIME.format(t));
        settings.put("recovery_target_inclusive", "off");
        String window = c.precision() == LogTime.Precision.SECONDS
                ? "up to 1 s: commits in the same second before the statement are lost too (add %m to log_line_prefix)"
                : "up to 1 ms: commits in the same millisecond before the statement are lost too";
        return new Recommendation("time", null, t, false, window,
                "the statement started at " + c.timeText() + "; its transaction commits at or after that instant,"
                        + " so stopping before every commit at or after it excludes it", settings);
    }

    /** Files in the order they were written: directories expand to their files, oldest first. */
    static List<Path> logFiles(List<Path> inputs) {
        List<Path> out = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isRegularFile).sorted(Comparator.comparing(TargetFinder::mtime)
                            .thenComparing(Path::toString)).forEach(out::add);
                } catch (IOException e) {
                    throw PitrException.usage("cannot list log directory " + p + ": " + e.getMessage());
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw PitrException.usage("log file " + p + " does not exist: pass --log FILE or DIR");
            }
        }
        return out;
    }

    private static long mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
