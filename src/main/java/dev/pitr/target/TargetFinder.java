package dev.pitr.target;

import dev.pitr.target.log.KeywordFilter;
import dev.pitr.target.log.LogEntry;
import dev.pitr.target.log.LogFormat;
import dev.pitr.target.log.LogLinePrefix;
import dev.pitr.target.log.LogMessages;
import dev.pitr.target.log.LogReader;
import dev.pitr.target.log.LogTime;
import dev.pitr.target.log.LogZone;
import dev.pitr.target.log.LogFiles;
import dev.pitr.target.log.MessageFilter;
import dev.pitr.target.log.PrefixDetector;
import dev.pitr.target.log.ScanStats;
import dev.pitr.target.log.Severity;
import dev.pitr.target.sql.DestructiveStatement;
import dev.pitr.target.sql.SqlClassifier;
import dev.pitr.target.sql.SqlTokenizer;
import dev.pitr.target.sql.TransactionControl;

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
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** {@code pitr target find}: scans the server logs, ranks the suspect statements and recommends a target. */
public final class TargetFinder {
    /**
     * The ranked candidates, the recommendation for the best one, what the scan skipped, and what it assumed:
     * the log_line_prefix it read with (and how it got it), and warnings an operator must see.
     */
    public record Result(List<Candidate> candidates, Optional<Recommendation> recommendation, ScanStats stats,
                         List<Candidate> relationDroppers, Optional<String> prefixUsed, String zoneUsed,
                         List<String> warnings) {
        Result withRecommendation(Recommendation r) {
            return new Result(candidates, Optional.of(r), stats, relationDroppers, prefixUsed, zoneUsed, warnings);
        }
    }

    /** Statements whose commit drops relation files (what pg_waldump shows as "rels:"), in log order. */
    static final java.util.Set<DestructiveStatement.Kind> DROPS_FILES = java.util.EnumSet.of(
            DestructiveStatement.Kind.DROP_TABLE, DestructiveStatement.Kind.DROP_INDEX, DestructiveStatement.Kind.TRUNCATE,
            DestructiveStatement.Kind.DROP_MATERIALIZED_VIEW);
    /** How far back file-dropping statements are aligned with the WAL's relation-dropping commits. */
    static final java.time.Duration ALIGN_WINDOW = java.time.Duration.ofSeconds(2);
    /** Receivers (syslog, journald, a container runtime) stamp a line after PostgreSQL wrote it. */
    static final java.time.Duration RECEIVER_MARGIN = java.time.Duration.ofSeconds(1);
    private static final int SAMPLE_LINES = 2000;

    private final LogMessages messages = LogMessages.standard();
    private final java.util.function.Consumer<String> notices;

    /** {@code notices} hears, as soon as they are known, the prefix and zone the scan reads with and every warning. */
    public TargetFinder(java.util.function.Consumer<String> notices) {
        this.notices = notices;
    }

    public TargetFinder() {
        this(n -> { });
    }

    /**
     * The search, step by step: the log files and their first lines; the log_line_prefix (given and checked, or
     * detected); the scan, every file and part side by side, into candidates; each statement once; their
     * sessions' own transaction control; ranked; the best one that may have committed recommended.
     */
    public Result find(TargetQuery q) {
        List<String> warnings = warnings();
        Logs logs = sampleLogs(q, warnings);
        Prefix prefix = choosePrefix(q, logs);
        prefix.described().ifPresent(p -> notices.accept("reading with " + p));
        notices.accept("times: " + q.zone().describe());
        warnAboutFilters(q, prefix.compiled(), logs.samples(), warnings);
        LogZone zone = q.zone().withWarnings(warnings::add);
        Found found = readStatements(q, logs, prefix.compiled(), zone);
        List<Candidate> ranked = rank(settleBySession(q, dedupe(found.candidates()), logs, prefix.compiled(), zone));
        return new Result(ranked, recommendation(ranked), found.stats(), found.droppers(), prefix.described(),
                q.zone().describe(), List.copyOf(warnings));
    }

    /** Warnings, told as soon as they are known (the scan may take a while) and kept for the result. */
    private List<String> warnings() {
        return java.util.Collections.synchronizedList(new ArrayList<>() {
            @Override
            public boolean add(String w) {
                notices.accept("warning: " + w);
                return super.add(w);
            }
        });
    }

    /** The log files to read, oldest first, and the sample of each. */
    private record Logs(List<Path> files, List<LogFiles.Sample> samples) {
        /** The plain stderr files: their offsets are the file's, so they can be split and read in ranges. */
        Set<Path> plainStderr() {
            Set<Path> out = new java.util.HashSet<>();
            for (int i = 0; i < files.size(); i++) {
                if (samples.get(i).plain() && samples.get(i).format() == LogFormat.STDERR) {
                    out.add(files.get(i));
                }
            }
            return out;
        }
    }

    /**
     * The first lines of every file, read side by side (a directory of rotated logs is many files). A file
     * named itself that cannot be read is refused; one found in a directory is skipped with a warning.
     */
    private static Logs sampleLogs(TargetQuery q, List<String> warnings) {
        List<Path> files = new ArrayList<>();
        List<LogFiles.Sample> samples = new ArrayList<>();
        List<LogFile> logFiles = logFiles(q.logs());
        List<Object> sampled = dev.pitr.core.Parallel.map(logFiles, Runtime.getRuntime().availableProcessors(), f -> {
            try {
                return LogFiles.sample(f.path(), q.format(), SAMPLE_LINES);
            } catch (PitrException unreadable) {
                return unreadable;
            }
        });
        for (int i = 0; i < logFiles.size(); i++) {
            LogFile f = logFiles.get(i);
            if (sampled.get(i) instanceof PitrException unreadable) {
                if (f.named()) {
                    throw unreadable;
                }
                warnings.add("skipped " + f.path() + ": " + unreadable.getMessage());
            } else {
                samples.add((LogFiles.Sample) sampled.get(i));
                files.add(f.path());
            }
        }
        if (files.isEmpty()) {
            throw PitrException.usage("no log files to read in " + q.logs() + ": pass --log FILE or a directory with logs");
        }
        return new Logs(files, samples);
    }

    /** The prefix the scan reads with, and how it was chosen (empty when no log uses one: csvlog, jsonlog). */
    private record Prefix(LogLinePrefix compiled, Optional<String> described) {
    }

    /**
     * The given prefix, checked against the sampled lines, or the one detected from them; where a reload
     * changed log_line_prefix (the log's own change line shows it), lines on either side are read.
     */
    private static Prefix choosePrefix(TargetQuery q, Logs logs) {
        List<LogFiles.Sample> samples = logs.samples();
        String prefix = q.prefix().orElse(LogLinePrefix.POSTGRES_DEFAULT);
        List<String> heads = new ArrayList<>();
        List<String> everyHead = new ArrayList<>();
        String where = logs.files().get(0).toString();
        for (int i = 0; i < samples.size(); i++) {
            if (samples.get(i).format().usesPrefix() && (heads.isEmpty() || i == samples.size() - 1)) {
                heads.addAll(samples.get(i).heads()); // the oldest and the newest file: a prefix change shows there
                where = heads.size() == samples.get(i).heads().size() ? logs.files().get(i).toString() : where;
            }
            everyHead.addAll(samples.get(i).heads());
        }
        if (samples.stream().noneMatch(s -> s.format().usesPrefix())) {
            return new Prefix(new LogLinePrefix(prefix), Optional.empty());
        }
        if (q.prefix().isPresent()) {
            PrefixDetector.check(prefix, q.prefixSource(), heads, where);
            List<String> alternates = PrefixDetector.alternatesFor(prefix, everyHead);
            return new Prefix(new LogLinePrefix(prefix, alternates), Optional.of("log_line_prefix '" + prefix + "' ("
                    + q.prefixSource() + ")" + (alternates.isEmpty() ? "" : ", and where a reload changed it: '"
                    + String.join("', '", alternates) + "'")));
        }
        PrefixDetector.Detected d = PrefixDetector.detect(heads, where);
        List<String> alternates = PrefixDetector.alternatesFor(d.prefix(), everyHead);
        return new Prefix(new LogLinePrefix(d.prefix(), alternates),
                Optional.of("log_line_prefix " + d.describe() + "; override with --log-line-prefix"));
    }

    /** What the scan found: the candidates in log order, the file-dropping statements, and what it read. */
    private record Found(List<Candidate> candidates, List<Candidate> droppers, ScanStats stats) {
    }

    /** Every file (and part of a large one) scanned side by side; each entry considered in log order. */
    private Found readStatements(TargetQuery q, Logs logs, LogLinePrefix prefix, LogZone zone) {
        ScanStats stats = new ScanStats();
        List<Candidate> found = new ArrayList<>();
        List<Candidate> droppers = new ArrayList<>();
        Map<Integer, Integer> lastByPid = new HashMap<>();
        for (FileScan scan : readAll(q, logs.files(), logs.samples(), prefix, zone)) {
            stats.add(scan.stats());
            for (LogEntry e : scan.entries()) {
                consider(q, e, found, lastByPid);
                noteDropper(e, droppers);
            }
        }
        return new Found(found, droppers, stats);
    }

    /** The candidates their own session rolled back (BEGIN before, ROLLBACK after), set aside. */
    private static List<Candidate> settleBySession(TargetQuery q, List<Candidate> candidates, Logs logs,
                                                   LogLinePrefix prefix, LogZone zone) {
        Set<String> rolledBack = SessionOutcomes.rolledBack(candidates, logs.plainStderr(), (file, filter) ->
                new LogReader(q.format(), prefix, zone, new ScanStats(), filter).year(q.year().orElse(yearOf(file))));
        List<Candidate> out = new ArrayList<>(candidates);
        out.replaceAll(c -> rolledBack.contains(c.location()) ? c.settle(Candidate.Outcome.ROLLED_BACK_BY_SESSION) : c);
        return out;
    }

    /** Highest score first (what was set aside ranks below every one that may have committed); then newest first. */
    private static List<Candidate> rank(List<Candidate> candidates) {
        List<Candidate> out = new ArrayList<>(candidates);
        out.sort(Comparator.comparingInt(Candidate::score).reversed()
                .thenComparing(Candidate::time, Comparator.nullsLast(Comparator.reverseOrder())));
        return out;
    }

    /** The best candidate that may have committed, when the log bounds it (a time or an xid). */
    private static Optional<Recommendation> recommendation(List<Candidate> ranked) {
        return ranked.stream().filter(Candidate::committed).findFirst().filter(c -> c.time() != null || c.xid() != null)
                .map(TargetFinder::recommend);
    }

    private record FileScan(ScanStats stats, List<LogEntry> entries) {
    }

    /** A part of a log read on its own: a whole file, or a range of a large plain stderr file. */
    private record Part(Path file, long start, long end, boolean whole) {
    }

    /** Large plain stderr files are split at message boundaries into parts of about this size, one per thread. */
    static final long PART_BYTES = 64L << 20;

    private static List<Part> parts(List<Path> files, List<LogFiles.Sample> samples, int threads) {
        List<Part> out = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            long size;
            try {
                size = Files.size(f);
            } catch (IOException e) {
                throw PitrException.usage("cannot read log file " + f + ": " + e.getMessage());
            }
            if (samples.get(i).format() != LogFormat.STDERR || !samples.get(i).plain() || size < 2 * PART_BYTES
                    || threads == 1) {
                out.add(new Part(f, 0, size, true));
                continue;
            }
            long n = Math.min(size / PART_BYTES, 4L * threads);
            long start = 0;
            try {
                for (long k = 1; k <= n; k++) {
                    long end = k == n ? size : LogFiles.messageBoundary(f, size * k / n);
                    if (end > start) {
                        out.add(new Part(f, start, end, false));
                    }
                    start = end;
                }
            } catch (IOException e) {
                throw PitrException.usage("cannot read log file " + f + ": " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * Every file, and every part of a large file, on its own thread; the entries that matter come back in
     * log order, with line numbers counted over the whole file.
     */
    private List<FileScan> readAll(TargetQuery q, List<Path> files, List<LogFiles.Sample> samples, LogLinePrefix prefix,
                                   LogZone zone) {
        MessageFilter interest = interest(q);
        java.util.function.BiPredicate<Severity, String> keep = mayMatter(q.statement());
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        List<Part> parts = parts(files, samples, threads);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "logscan");
            t.setDaemon(true);
            return t;
        });
        try {
            List<java.util.concurrent.Future<FileScan>> futures = new ArrayList<>();
            for (Part part : parts) {
                futures.add(pool.submit(() -> {
                    ScanStats stats = new ScanStats();
                    List<LogEntry> entries = new ArrayList<>();
                    LogReader reader = new LogReader(q.format(), prefix, zone, stats, interest)
                            .year(q.year().orElse(yearOf(part.file()))).keep(keep);
                    if (part.whole()) {
                        reader.read(part.file(), entries::add);
                    } else {
                        reader.readRange(part.file(), part.start(), part.end(), entries::add);
                    }
                    return new FileScan(stats, entries);
                }));
            }
            List<FileScan> out = new ArrayList<>();
            long linesBefore = 0;
            for (int i = 0; i < parts.size(); i++) {
                FileScan scan = futures.get(i).get();
                if (parts.get(i).start() == 0) {
                    linesBefore = 0;
                }
                long shift = linesBefore;
                out.add(new FileScan(scan.stats(), scan.entries().stream().map(e -> e.shifted(shift)).toList()));
                linesBefore += scan.stats().lines();
            }
            return out;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw PitrException.usage("cannot read the logs: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PitrException.usage("log scan interrupted");
        } finally {
            pool.shutdownNow();
        }
    }

    private static int yearOf(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant().atZone(java.time.ZoneOffset.UTC).getYear();
        } catch (IOException e) {
            return java.time.Year.now().getValue();
        }
    }

    /**
     * Whether a message can change the outcome: a failed statement's STATEMENT line or an ERROR carrying its
     * query, or a logged statement that is destructive (or drops files, for the WAL alignment). Runs on the
     * scanning threads, so the SQL is classified in parallel and nothing else is kept.
     */
    private java.util.function.BiPredicate<Severity, String> mayMatter(Optional<Pattern> statement) {
        return (severity, message) -> {
            if (severity == Severity.STATEMENT || severity.failure()) {
                return true;
            }
            return severity == Severity.LOG && messages.statement(message).map(s -> !SqlClassifier.classify(s.sql()).isEmpty()
                    || statement.isPresent() && statement.get().matcher(s.sql()).find()).orElse(false);
        };
    }

    /** --database/--user that the log cannot show filter nothing: say so instead of silently matching everything. */
    private static void warnAboutFilters(TargetQuery q, LogLinePrefix prefix, List<LogFiles.Sample> samples,
                                         List<String> warnings) {
        boolean prefixOnly = samples.stream().allMatch(s -> s.format().usesPrefix());
        if (!prefixOnly) {
            return;
        }
        if (q.database().isPresent() && !prefix.shows("db")) {
            warnings.add("--database " + q.database().get() + " cannot filter: log_line_prefix '" + prefix
                    + "' has no %d, so statements of every database are listed");
        }
        if (q.user().isPresent() && !prefix.shows("user")) {
            warnings.add("--user " + q.user().get() + " cannot filter: log_line_prefix '" + prefix
                    + "' has no %u, so statements of every user are listed");
        }
    }

    /** One statement written to several destinations (stderr, csvlog, jsonlog) is one candidate. */
    private static List<Candidate> dedupe(List<Candidate> found) {
        List<Candidate> out = new ArrayList<>();
        for (Candidate c : found) {
            int same = -1;
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).sameStatementAs(c)) {
                    same = i;
                    break;
                }
            }
            if (same < 0) {
                out.add(c);
            } else if (out.get(same).xid() == null && c.xid() != null || c.failed() && !out.get(same).failed()) {
                out.set(same, c); // keep the copy that knows more (the xid, or that it failed)
            }
        }
        return out;
    }

    private void noteDropper(LogEntry e, List<Candidate> droppers) {
        Optional<String> failed = failedStatement(e);
        if (failed.isPresent()) { // a statement that failed dropped nothing: it must not shift the WAL alignment
            for (int i = droppers.size() - 1; i >= 0; i--) {
                Candidate d = droppers.get(i);
                if (java.util.Objects.equals(d.pid(), e.pid()) && d.sql().equals(failed.get().strip())) {
                    droppers.remove(i);
                    break;
                }
            }
            return;
        }
        if (e.severity() != Severity.LOG || e.time() == null) {
            return;
        }
        Optional<LogMessages.LoggedStatement> st = messages.statement(e.message());
        Optional<DestructiveStatement.Kind> drops = st.flatMap(s -> SqlClassifier.classify(s.sql()).stream()
                .map(DestructiveStatement::kind).filter(DROPS_FILES::contains).findFirst());
        if (drops.isPresent()) {
            Instant start = startBound(e, st.get());
            droppers.add(new Candidate(new Candidate.What(st.get().sql().strip(), drops.get(), List.of()),
                    new Candidate.When(start, e.timeText(), e.precision(), e.time(), new Basis.Unstated()),
                    new Candidate.Who(e.database(), e.user(), e.pid(), e.session(), e.xid()),
                    Candidate.Outcome.MAY_HAVE_COMMITTED, 0, new Candidate.Place(e.file() + ":" + e.line(), e.offset(), 0)));
        }
    }
    /**
     * How many file-dropping statements were logged in the {@link #ALIGN_WINDOW} before {@code c} (in log
     * order). Each commits after it was logged, so the WAL's relation-dropping commits from the window's start
     * on line up with them, and the suspect's commit is the next one.
     */
    static int droppersBefore(Candidate c, List<Candidate> droppers) {
        return droppersBefore(c, droppers, false);
    }

    /** As above; {@code sameDatabase}: only those of the candidate's database (the WAL is read for it alone). */
    static int droppersBefore(Candidate c, List<Candidate> droppers, boolean sameDatabase) {
        java.time.Instant from = c.time().minus(ALIGN_WINDOW);
        int n = 0;
        for (Candidate d : droppers) {
            if (d.location().equals(c.location())) {
                return n;
            }
            if (!d.time().isBefore(from) && (!sameDatabase || java.util.Objects.equals(d.database(), c.database()))) {
                n++;
            }
        }
        return n;
    }

    private static final List<String> DESTRUCTIVE_WORDS = List.of("drop", "truncate", "delete", "update", "alter");
    private static final List<String> FILE_DROPPING_WORDS = List.of("drop", "truncate", "alter");
    private static final List<String> ROW_WORDS = List.of("delete", "update");

    private static boolean containsAny(String text, List<String> words) {
        for (String w : words) {
            if (containsIgnoreCase(text, w)) {
                return true;
            }
        }
        return false;
    }

    /** A superset test on a message's raw text: could it be (or fail) a statement this query looks for? */
    static MessageFilter interest(TargetQuery q) {
        if (q.statement().isPresent()) {
            Pattern p = q.statement().get();
            return new MessageFilter.Text(text -> p.matcher(text).find());
        }
        // with a table: statements naming it that may destroy rows, and every statement that drops files
        // (the WAL refinement needs their order); lines that merely name the table cost no parse
        if (q.table().isPresent() && q.table().get().name().length() >= 2 && q.table().get().name().charAt(0) < 128
                && q.table().get().name().charAt(1) < 128) {
            String table = q.table().get().name().toLowerCase(java.util.Locale.ROOT);
            return new MessageFilter.Words(new KeywordFilter(FILE_DROPPING_WORDS, table, ROW_WORDS));
        }
        if (q.table().isPresent()) { // a one-letter name, or one that starts outside ASCII: the plain scan
            String table = q.table().get().name().toLowerCase(java.util.Locale.ROOT);
            return new MessageFilter.Text(text -> containsAny(text, FILE_DROPPING_WORDS)
                    || containsIgnoreCase(text, table) && containsAny(text, ROW_WORDS));
        }
        return new MessageFilter.Words(new KeywordFilter(DESTRUCTIVE_WORDS, null, List.of()));
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
        if (e.severity() != Severity.LOG) {
            return;
        }
        Optional<LogMessages.LoggedStatement> logged = messages.statement(e.message());
        if (logged.isEmpty()) {
            return;
        }
        String sql = logged.get().sql();
        if (q.database().isPresent() && e.database() != null && !q.database().get().equals(e.database())
                || q.user().isPresent() && e.user() != null && !q.user().get().equals(e.user())
                || q.since().isPresent() && e.time() != null && e.time().isBefore(q.since().get())
                || q.until().isPresent() && e.time() != null && e.time().isAfter(q.until().get())) {
            return;
        }
        Optional<Hit> hit = hit(q, sql);
        if (hit.isEmpty()) {
            return;
        }
        Candidate c = new Candidate(new Candidate.What(sql.strip(), hit.get().kind(), hit.get().objects()),
                new Candidate.When(startBound(e, logged.get()), e.timeText(), e.precision(), e.time(),
                        basis(e, logged.get(), hit.get().inBlock() ? Optional.of(hit.get().kind()) : Optional.empty())),
                who(e), Candidate.Outcome.MAY_HAVE_COMMITTED, hit.get().score(),
                new Candidate.Place(e.file() + ":" + e.line(), e.offset(), hit.get().statement()));
        found.add(hit.get().undoneWithin() ? c.settle(Candidate.Outcome.ROLLED_BACK_IN_QUERY) : c);
        if (e.pid() != null) {
            lastByPid.put(e.pid(), found.size() - 1);
        }
    }

    /**
     * What in one logged query string matches the query: the statement, its kind and score, every object the
     * string destroys, and whether the string's own transaction control undoes it. A string may hold several
     * statements ({@code BEGIN; DELETE FROM t; ROLLBACK}); one that it does not undo is preferred.
     */
    private record Hit(int statement, DestructiveStatement.Kind kind, int score, List<String> objects,
                       boolean undoneWithin, boolean inBlock) {
    }

    static Optional<Hit> hit(TargetQuery q, String sql) {
        boolean matches = q.statement().map(p -> p.matcher(sql).find()).orElse(true);
        if (!matches || q.statement().isEmpty() && SqlClassifier.plainlyHarmless(sql)) {
            return Optional.empty();
        }
        List<List<SqlTokenizer.Token>> statements = SqlTokenizer.statements(sql);
        List<Optional<TransactionControl>> controls = TransactionControl.ofEach(statements);
        List<String> objects = new ArrayList<>();
        List<Hit> hits = new ArrayList<>();
        for (int i = 0; i < statements.size(); i++) {
            List<DestructiveStatement> destructive = SqlClassifier.withCtes(statements.get(i));
            destructive.forEach(d -> d.objects().forEach(o -> objects.add(o.toString())));
            int index = i;
            scoreOf(q, destructive).ifPresent(top -> hits.add(new Hit(index, top.statement().kind(), top.score(), objects,
                    TransactionControl.undoneWithin(controls, index), top.statement().inBlock())));
        }
        if (hits.isEmpty() && q.statement().isPresent()) {
            hits.add(new Hit(0, DestructiveStatement.Kind.MATCH, 20, objects, false, false));
        }
        return hits.stream().min(Comparator.comparing(Hit::undoneWithin)
                        .thenComparing(Comparator.comparingInt(Hit::score).reversed()))
                .map(h -> new Hit(h.statement(), h.kind(), h.score(), List.copyOf(objects), h.undoneWithin(), h.inBlock()));
    }

    private record Scored(DestructiveStatement statement, int score) {
    }

    /** How one statement's destructive parts rank for the query: the named table first, then by what they destroy. */
    private static Optional<Scored> scoreOf(TargetQuery q, List<DestructiveStatement> destructive) {
        if (q.table().isPresent()) {
            return destructive.stream().filter(d -> d.objects().stream().anyMatch(o -> o.matches(q.table().get())))
                    .findFirst().map(d -> new Scored(d, 100 + d.kind().weight()));
        }
        if (q.statement().isPresent()) {
            return destructive.stream().findFirst().map(d -> new Scored(d,
                    20 + destructive.stream().mapToInt(x -> x.kind().weight()).max().orElse(0)));
        }
        return destructive.stream().max(Comparator.comparingInt(d -> d.kind().weight()))
                .map(d -> new Scored(d, d.kind().weight() + (d.cascade() ? 5 : 0)));
    }

    /**
     * The earliest instant the statement can have started, which a target must not pass: a line written at the
     * start is its own bound; a {@code duration:} line is written after the statement ended (in autocommit after
     * its commit), so the duration comes off, rounded down to what the line's time resolves; a receiver's stamp
     * is later than PostgreSQL's, by up to {@link #RECEIVER_MARGIN}. Null when the log gives no time at all.
     */
    static Instant startBound(LogEntry e, LogMessages.LoggedStatement s) {
        if (e.time() == null) {
            return null;
        }
        Instant t = e.time();
        if (s.logged() == LogMessages.Logged.AFTER_DURATION) {
            t = t.minus(s.duration().orElse(java.time.Duration.ZERO));
        }
        if (e.clock() == LogEntry.Clock.RECEIVER) {
            t = t.minus(RECEIVER_MARGIN);
        }
        return (e.precision() == null ? LogTime.Precision.SECONDS : e.precision()).floor(t);
    }

    /** Whose a logged statement was (an xid of 0 is none). */
    private static Candidate.Who who(LogEntry e) {
        return new Candidate.Who(e.database(), e.user(), e.pid(), e.session(), e.xid() != null && e.xid() > 0 ? e.xid() : null);
    }

    private static Basis basis(LogEntry e, LogMessages.LoggedStatement s, Optional<DestructiveStatement.Kind> inBlock) {
        if (e.time() == null) {
            return new Basis.NoTime();
        }
        return new Basis.Logged(e.timeText(), s.logged(), s.duration(), e.clock() == LogEntry.Clock.RECEIVER, inBlock);
    }

    /** A STATEMENT line (stderr) or an ERROR row's query column (csv/json): that statement failed. */
    private static Optional<String> failedStatement(LogEntry e) {
        if (e.severity() == Severity.STATEMENT) {
            return Optional.of(e.message());
        }
        if (e.severity().failure() && e.query() != null) {
            return Optional.of(e.query());
        }
        return Optional.empty();
    }

    static Recommendation recommend(Candidate c) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (c.xid() != null) {
            settings.put("recovery_target_xid", c.xid().toString());
            settings.put("recovery_target_inclusive", "off");
            return new Recommendation(Recommendation.Kind.XID, c.xid(), c.time(), false, "exact: only transaction " + c.xid() + " is excluded: no other commit is lost",
                    "the log names the statement's transaction (xid " + c.xid() + "); replay stops just before it commits",
                    settings);
        }
        Instant t = c.time();
        settings.put("recovery_target_time", RecoveryTarget.PG_TIME.format(t));
        settings.put("recovery_target_inclusive", "off");
        String unit = switch (c.precision() == null ? LogTime.Precision.SECONDS : c.precision()) {
            case SECONDS -> "1 s";
            case MILLIS -> "1 ms";
            case MICROS -> "1 us";
        };
        boolean receiver = c.basis().receiverClock();
        boolean afterDuration = c.basis().afterDuration();
        String window = "up to " + unit + (afterDuration ? " + " + unit + " (the duration, rounded down)" : "")
                + (receiver ? " + " + RECEIVER_MARGIN.toSeconds() + " s" : "")
                + ": commits in that time before the statement started are lost too"
                + (c.precision() == LogTime.Precision.SECONDS ? " (add %m to log_line_prefix)" : "")
                + "; 'target find --wal' pins the exact transaction";
        return new Recommendation(Recommendation.Kind.TIME, null, t, false, window, c.basis().describe() + "; its transaction commits after "
                + RecoveryTarget.PG_TIME.format(t) + ", so stopping before every commit from then on excludes it", settings);
    }

    /** A log file to read, and whether it was named itself (a refusal) or found in a directory (a warning). */
    record LogFile(Path path, boolean named) {
    }

    /** Files in the order they were written: directories expand to their files, oldest first. */
    static List<LogFile> logFiles(List<Path> inputs) {
        List<LogFile> out = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
                            .sorted(Comparator.comparing(TargetFinder::mtime).thenComparing(Path::toString))
                            .forEach(f -> out.add(new LogFile(f, false)));
                } catch (IOException e) {
                    throw PitrException.usage("cannot list log directory " + p + ": " + e.getMessage());
                }
            } else if (Files.isRegularFile(p)) {
                out.add(new LogFile(p, true));
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
