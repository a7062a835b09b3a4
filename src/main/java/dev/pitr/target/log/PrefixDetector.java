package dev.pitr.target.log;


import dev.pitr.core.PitrException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the log_line_prefix a log was written with when nobody said: first the log's own
 * {@code parameter "log_line_prefix" changed to} lines, then the prefixes installations ship with, then one
 * inferred from the lines themselves. The one that reads the most message lines wins; when none reads most
 * of them, the scan is refused with the best guess, a sample line and the flag, never read as "found nothing".
 */
public final class PrefixDetector {
    /** The prefixes real installations ship with, and what they are called in messages. */
    static final Map<String, String> SHIPPED = shippedPrefixes();

    private static Map<String, String> shippedPrefixes() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("%m [%p] %q%u@%d ", "Debian/Ubuntu default");
        m.put("%m [%p] ", "PostgreSQL default (also RHEL/PGDG)");
        m.put("%t:%r:%u@%d:[%p]:", "Amazon RDS/Aurora default");
        m.put("%t-%c-", "Azure Database for PostgreSQL default");
        m.put("%m [%p]: [%l-1] db=%d,user=%u ", "Google Cloud SQL");
        m.put("[%p]: [%l-1] db=%d,user=%u ", "Google Cloud SQL (Cloud Logging text)");
        m.put("%t [%p]: user=%u,db=%d,app=%a,client=%h ", "pgBadger's recommendation");
        m.put("%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ", "pgBadger's recommendation (older)");
        m.put("%t [%p]: [%l-1] db=%d,user=%u,app=%a,client=%h ", "Crunchy Data");
        m.put("< %m > ", "RHEL (older packages)");
        m.put("%m %u@%d [%p] ", "common custom");
        m.put("%t [%p] ", "PostgreSQL default with %t");
        m.put("%m ", "time only");
        m.put("%t ", "time only, seconds");
        return m;
    }

    /** The shipped prefixes, in the order they are tried. */
    public static List<String> shipped() {
        return List.copyOf(SHIPPED.keySet());
    }

    /** The prefix chosen, how, and how many of the sampled message lines it reads. */
    public record Detected(String prefix, String how, int matched, int sampled, List<String> alternates) {
        Detected(String prefix, String how, int matched, int sampled) {
            this(prefix, how, matched, sampled, List.of());
        }

        public String describe() {
            return "'" + prefix + "' (" + how + "; reads " + matched + " of " + sampled + " sampled message lines)"
                    + (alternates.isEmpty() ? "" : ", and where the log was written with another (a reload changed it): '"
                    + String.join("', '", alternates) + "'");
        }
    }

    private PrefixDetector() {
    }

    /**
     * Picks the prefix for {@code sampledHeads} (first lines of messages, envelopes removed; each candidate is
     * scored on at most {@link #SCORED_HEADS} of them, spread evenly). {@code where} and
     * a sample line go into the refusal when nothing reads most of them.
     */
    public static Detected detect(List<String> sampledHeads, String where) {
        List<String> heads = spread(sampledHeads, SCORED_HEADS);
        if (heads.isEmpty()) {
            return new Detected(LogLinePrefix.POSTGRES_DEFAULT, "PostgreSQL default; the log has no message lines to detect from",
                    0, 0);
        }
        Map<String, String> tries = new LinkedHashMap<>();
        // a reload's change line is one line: looked for in every sampled head, not only the scored ones
        fromLog(sampledHeads).forEach(p -> tries.putIfAbsent(p, "from the log's own log_line_prefix change"));
        SHIPPED.forEach(tries::putIfAbsent);
        infer(heads).ifPresent(p -> tries.putIfAbsent(p, "inferred from the lines"));
        // each candidate reads every sampled head (a regex each): scored side by side, chosen in order; a
        // candidate that reads none of a tenth of them, evenly spread, cannot read most and is not scored further
        List<Map.Entry<String, String>> candidates = List.copyOf(tries.entrySet());
        if (heads.size() > PRE_SCORED_HEADS) {
            List<String> few = spread(heads, PRE_SCORED_HEADS);
            List<Map.Entry<String, String>> all = candidates;
            List<Score> first = dev.pitr.core.Parallel.map(all, Runtime.getRuntime().availableProcessors(),
                    t -> score(t.getKey(), few));
            List<Map.Entry<String, String>> reading = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                if (first.get(i).matched() > 0) {
                    reading.add(all.get(i));
                }
            }
            candidates = reading.isEmpty() ? all : reading;
        }
        List<Score> scores = dev.pitr.core.Parallel.map(candidates, Runtime.getRuntime().availableProcessors(),
                t -> score(t.getKey(), heads));
        Detected best = null;
        long bestFields = -1;
        int bestGroups = 0;
        for (int i = 0; i < candidates.size(); i++) {
            Score sc = scores.get(i);
            // most lines read; then the most fields filled (Debian's %q%u@%d over the bare default when sessions
            // log); then the simplest (the bare default when they never do)
            boolean better = best == null || sc.matched() > best.matched() || sc.matched() == best.matched()
                    && (sc.fields() > bestFields || sc.fields() == bestFields && sc.groups() < bestGroups);
            if (better) {
                best = new Detected(candidates.get(i).getKey(), candidates.get(i).getValue(), sc.matched(), heads.size());
                bestFields = sc.fields();
                bestGroups = sc.groups();
            }
        }
        List<String> others = alternatesFor(best.prefix(), sampledHeads);
        if (!others.isEmpty()) { // lines before (or after) a reload: read with the log's other prefixes too
            LogLinePrefix all = new LogLinePrefix(best.prefix(), others);
            int n = (int) heads.stream().filter(h -> all.match(h).isPresent()).count();
            best = new Detected(best.prefix(), best.how(), n, heads.size(), others);
        }
        if (best.matched() * 2 <= heads.size()) {
            String sample = heads.get(0).length() > 160 ? heads.get(0).substring(0, 160) + "..." : heads.get(0);
            throw PitrException.usage("cannot tell the log_line_prefix of " + where + ": the best guess '" + best.prefix()
                    + "' reads only " + best.matched() + " of " + best.sampled() + " message lines, e.g. \"" + sample
                    + "\"; pass --log-line-prefix with the server's value (SHOW log_line_prefix)");
        }
        return best;
    }

    /** Heads each candidate is scored on: every candidate is a regex over each, the costly part of detection. */
    static final int SCORED_HEADS = 1000;
    /** Heads every candidate is tried on first, to set aside those that read none of them. */
    static final int PRE_SCORED_HEADS = 100;

    /** At most {@code max} of {@code heads}, evenly spread over them (the oldest file's and the newest's alike). */
    static List<String> spread(List<String> heads, int max) {
        if (heads.size() <= max) {
            return heads;
        }
        List<String> out = new java.util.ArrayList<>(max);
        for (int i = 0; i < max; i++) {
            out.add(heads.get((int) ((long) i * heads.size() / max)));
        }
        return out;
    }

    /** How a candidate prefix reads the sampled heads: lines read, fields filled, and its field count. */
    private record Score(int matched, long fields, int groups) {
    }

    private static Score score(String prefix, List<String> heads) {
        LogLinePrefix p = new LogLinePrefix(prefix);
        int n = 0;
        long fields = 0;
        for (String h : heads) {
            Optional<Matcher> m = p.match(h);
            if (m.isPresent()) {
                n++;
                for (String g : FIELDS) {
                    fields += p.group(m.get(), g) == null ? 0 : 1;
                }
            }
        }
        return new Score(n, fields, p.fieldCount());
    }

    /** Whether {@code given} reads most of {@code heads}; a wrong flag is as silent as a wrong guess otherwise. */
    public static void check(String given, String source, List<String> heads, String where) {
        if (heads.isEmpty()) {
            return;
        }
        LogLinePrefix p = new LogLinePrefix(given, alternatesFor(given, heads));
        long n = heads.stream().filter(h -> p.match(h).isPresent()).count();
        if (n * 2 <= heads.size()) {
            Optional<Detected> better;
            try {
                better = Optional.of(detect(heads, where));
            } catch (PitrException none) {
                better = Optional.empty();
            }
            throw PitrException.usage("the log_line_prefix '" + p + "' (" + source + ") reads only " + n + " of "
                    + heads.size() + " message lines of " + where + better.map(d -> "; the log looks like " + d.describe()
                    + ": pass --log-line-prefix '" + d.prefix() + "'").orElse("; pass the server's value (SHOW log_line_prefix)"));
        }
    }

    /** The prefixes the log's own change lines name, other than {@code chosen}. */
    public static List<String> alternatesFor(String chosen, List<String> heads) {
        return fromLog(heads).stream().filter(p -> !LogLinePrefix.normalize(p).equals(LogLinePrefix.normalize(chosen)))
                .distinct().toList();
    }

    private static final List<String> FIELDS = List.of("user", "db", "session", "xid");
    private static final Pattern CHANGED = Pattern.compile("log_line_prefix");

    /** Values of {@code parameter "log_line_prefix" changed to "..."} lines (a reload), newest first. */
    static List<String> fromLog(List<String> heads) {
        List<String> out = new ArrayList<>();
        LogMessages messages = LogMessages.standard();
        for (String h : heads) {
            if (!CHANGED.matcher(h).find()) {
                continue;
            }
            int sep = h.indexOf(":  ");
            while (sep >= 0) {
                Optional<String> v = messages.parameterChange(h.substring(sep + 3), "log_line_prefix");
                if (v.isPresent()) {
                    out.add(0, v.get());
                    break;
                }
                sep = h.indexOf(":  ", sep + 1);
            }
        }
        return out;
    }

    private static final Pattern SEVERITY_AT = Pattern.compile("(?:^|(?<=[^\\p{L}]))(?:"
            + LogMessages.standard().severityRegex() + "):  ");
    /** A piece of a prefix's output and the escape that prints it (null: {@code key=value}, the key says). */
    private record Piece(Pattern pattern, String escape) {
    }

    private static final List<Piece> PIECES = List.of(
            new Piece(Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} [A-Za-z0-9+:_/-]+"), "%m"),
            new Piece(Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [A-Za-z0-9+:_/-]+"), "%t"),
            new Piece(Pattern.compile("^\\d{9,11}\\.\\d{3}(?!\\d)"), "%n"),
            new Piece(Pattern.compile("^[0-9a-f]{6,8}\\.[0-9a-f]{1,8}(?![0-9a-z])"), "%c"),
            new Piece(Pattern.compile("^(?:user|usr|u)=[^\\s,;\\]]*"), null),
            new Piece(Pattern.compile("^(?:db|database|d)=[^\\s,;\\]]*"), null),
            new Piece(Pattern.compile("^(?:app|application|a)=[^,;\\]]*?(?=[,;\\]]| \\S)"), null),
            new Piece(Pattern.compile("^(?:client|host|h|remote)=[^\\s,;\\]]*"), null),
            new Piece(Pattern.compile("^(?:pid|p)=\\d+"), null),
            new Piece(Pattern.compile("^(?:xid|tx|txid|x)=\\d+"), null),
            new Piece(Pattern.compile("^\\d+/\\d+(?!\\d)"), "%v"),
            new Piece(Pattern.compile("^\\[\\d+-1\\]"), "[%l-1]"),
            new Piece(Pattern.compile("^\\[\\d+\\]"), "[%p]"),
            new Piece(Pattern.compile("^[^\\s@\\[\\]:,]+@[^\\s@\\[\\]:,]+"), "%u@%d"),
            new Piece(Pattern.compile("^\\d+"), "%l"));
    private static final Map<String, String> KEYS = Map.ofEntries(Map.entry("user", "%u"), Map.entry("usr", "%u"),
            Map.entry("u", "%u"), Map.entry("db", "%d"), Map.entry("database", "%d"), Map.entry("d", "%d"),
            Map.entry("app", "%a"), Map.entry("application", "%a"), Map.entry("a", "%a"), Map.entry("client", "%h"),
            Map.entry("host", "%h"), Map.entry("h", "%h"), Map.entry("remote", "%r"), Map.entry("pid", "%p"),
            Map.entry("p", "%p"), Map.entry("xid", "%x"), Map.entry("tx", "%x"), Map.entry("txid", "%x"),
            Map.entry("x", "%x"));

    /** A prefix that describes the sampled lines: the text before the severity, with known fields as escapes. */
    static Optional<String> infer(List<String> heads) {
        Map<String, Integer> votes = new HashMap<>();
        for (String h : heads.subList(0, Math.min(heads.size(), 200))) {
            Matcher sev = SEVERITY_AT.matcher(h);
            if (!sev.find() || sev.start() > 300) {
                continue;
            }
            votes.merge(escapes(h.substring(0, sev.start())), 1, Integer::sum);
        }
        return votes.entrySet().stream().max(Comparator.comparingInt(Map.Entry::getValue)).map(Map.Entry::getKey);
    }

    private static String escapes(String before) {
        StringBuilder out = new StringBuilder();
        Matcher[] matchers = new Matcher[PIECES.size()]; // one per piece, moved along the text (no substring per position)
        for (int k = 0; k < matchers.length; k++) {
            matchers[k] = PIECES.get(k).pattern().matcher(before);
        }
        int i = 0;
        outer:
        while (i < before.length()) {
            boolean boundary = i == 0 || !Character.isLetterOrDigit(before.charAt(i - 1));
            for (int k = 0; boundary && k < matchers.length; k++) {
                Matcher m = matchers[k].region(i, before.length());
                if (m.lookingAt()) {
                    String text = m.group();
                    Piece piece = PIECES.get(k);
                    if (piece.escape() != null) {
                        out.append(piece.escape());
                    } else {
                        String key = text.substring(0, text.indexOf('='));
                        out.append(key).append('=').append(KEYS.get(key));
                    }
                    i += text.length();
                    continue outer;
                }
            }
            char c = before.charAt(i++);
            out.append(c == '%' ? "%%" : String.valueOf(c));
        }
        return out.toString();
    }
}
