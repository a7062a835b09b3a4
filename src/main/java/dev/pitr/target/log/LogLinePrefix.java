package dev.pitr.target.log;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compiles a {@code log_line_prefix} into a regex that recognises the first line of each stderr log message
 * and captures the fields that matter: time, pid, session, xid, user, database.
 */
public final class LogLinePrefix {
    /**
     * PostgreSQL's own default log_line_prefix (since version 10): what a search assumes when it is told
     * nothing and can detect nothing.
     */
    public static final String POSTGRES_DEFAULT = "%m [%p] ";

    /** A free-text field (application name, host, ...): as little as possible up to what follows it. */
    private static final String WILDCARD = ".*?";
    /** Enough for any sane prefix (a few reads per character); a runaway backtrack stops here. */
    private static final long STEPS_PER_CHAR = 64;
    private static final long BASE_STEPS = 100_000;

    private final String prefix;
    private final Set<String> groups = new HashSet<>();
    private final Pattern pattern;
    private final boolean hasXid;
    private final boolean hasMillis;
    private final FirstKind firstKind;
    private final char firstLiteral;
    /** Other prefixes the same log was written with (a reload changed log_line_prefix), tried in turn. */
    private final List<LogLinePrefix> alternates;
    private final LogLinePrefix[] alternateArray;

    public LogLinePrefix(String given) {
        this(given, List.of());
    }

    /** {@code given}, and where a line does not fit it, each of {@code others} (earlier or later settings). */
    public LogLinePrefix(String given, List<String> others) {
        this.alternates = others.stream().map(LogLinePrefix::normalize).distinct()
                .filter(o -> !o.equals(normalize(given))).map(LogLinePrefix::new).toList();
        this.alternateArray = alternates.toArray(LogLinePrefix[]::new);
        String prefix = normalize(given);
        this.prefix = prefix;
        Set<String> used = this.groups;
        StringBuilder re = new StringBuilder("^");
        int optionalFrom = -1;
        boolean xid = false;
        boolean millis = false;
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c != '%' || i + 1 >= prefix.length()) {
                re.append(Pattern.quote(String.valueOf(c)));
                continue;
            }
            int j = i + 1;
            while (j < prefix.length() && (Character.isDigit(prefix.charAt(j)) || prefix.charAt(j) == '-')) {
                j++; // padding such as %-10u
            }
            if (j >= prefix.length()) {
                break;
            }
            char e = prefix.charAt(j);
            boolean padded = j > i + 1;
            i = j;
            String field = switch (e) {
                case 'm' -> group(used, "ts", "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\S+");
                case 't' -> group(used, "ts", "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\S+");
                case 'n' -> group(used, "epoch", "\\d+\\.\\d{3}");
                case 'p' -> group(used, "pid", "\\d+");
                case 'c' -> group(used, "session", "[0-9a-f]+\\.[0-9a-f]+");
                case 'l' -> "\\d+";
                case 'x' -> group(used, "xid", "\\d+");
                case 'v' -> "(?:\\d+/\\d+)?";
                case 'u' -> group(used, "user", ".*?");
                case 'd' -> group(used, "db", ".*?");
                case 'e' -> "[0-9A-Z]{5}";
                case 'Q' -> "-?\\d+";
                case 'a', 'h', 'r', 'b', 'i', 's', 'L' -> WILDCARD;
                case '%' -> "%";
                case 'q' -> null;
                default -> ""; // PostgreSQL ignores unrecognised escapes
            };
            if (e == 'm' || e == 'n') {
                millis = true;
            }
            if (e == 'x') {
                xid = true;
            }
            if (field == null) {
                optionalFrom = re.length();
                continue;
            }
            if (field.equals(WILDCARD) && (re.toString().endsWith(WILDCARD))) {
                continue; // two free-text fields in a row match as one: stacked wildcards only add backtracking
            }
            re.append(padded && !field.equals(WILDCARD) && !field.isEmpty() ? "\\s*" + field + "\\s*" : field);
        }
        if (optionalFrom >= 0) { // %q: processes without a session stop the prefix here
            re.insert(optionalFrom, "(?:").append(")?");
        }
        // the trailing space is optional (a prefix copied without it still reads); severities in any language
        re.append(" *(?<sev>").append(LogMessages.standard().severityRegex()).append("):  (?<msg>.*)$");
        this.pattern = Pattern.compile(re.toString(), Pattern.DOTALL);
        this.hasXid = xid;
        this.hasMillis = millis;
        this.firstKind = firstKind(prefix);
        this.firstLiteral = prefix.isEmpty() ? 0 : prefix.charAt(0);
    }

    /**
     * The prefix as PostgreSQL uses it: quotes pasted from postgresql.conf ({@code '%m [%p] '}, or the whole
     * {@code log_line_prefix = '...'} line) are removed, and trailing blanks are matched loosely instead.
     */
    static String normalize(String given) {
        String p = given.strip().replaceFirst("^log_line_prefix\\s*=\\s*", "");
        if (!p.isEmpty() && (p.charAt(0) == '\'' || p.charAt(0) == '"')) {
            char q = p.charAt(0);
            StringBuilder inside = new StringBuilder();
            for (int i = 1; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c == q && i + 1 < p.length() && p.charAt(i + 1) == q) {
                    inside.append(q); // '' inside '...' is one quote, as in postgresql.conf
                    i++;
                } else if (c == q) {
                    return inside.toString().stripTrailing(); // what follows (a # comment) is not the value
                } else {
                    inside.append(c);
                }
            }
        }
        return p.stripTrailing();
    }

    /** How many fields the prefix captures. */
    public int fieldCount() {
        return groups.size();
    }

    /** Whether lines written with this prefix carry a field ({@code db}, {@code user}, {@code xid}, ...). */
    public boolean shows(String name) {
        return groups.contains(name);
    }

    /** A field the prefix captures ({@code ts}, {@code pid}, {@code db}, ...), or null when absent or empty. */
    public String group(Matcher m, String name) {
        if (m.pattern() != pattern) {
            for (LogLinePrefix alt : alternates) {
                if (m.pattern() == alt.pattern) {
                    return alt.group(m, name);
                }
            }
            return null;
        }
        if (!groups.contains(name)) {
            return null;
        }
        String v = m.group(name);
        return v == null || v.isEmpty() || v.equals("[unknown]") ? null : v;
    }

    private static String group(Set<String> used, String name, String re) {
        return used.add(name) ? "(?<" + name + ">" + re + ")" : "(?:" + re + ")";
    }

    /**
     * A cheap test for "this line may start a message": the severity separator is there and the first
     * character fits the prefix's first element. Lines that pass are parsed fully only if they matter.
     */
    public boolean mayStart(String line) {
        if (line.isEmpty() || line.indexOf(":  ") < 0) {
            return false;
        }
        char c = line.charAt(0);
        boolean own = switch (firstKind) {
            case DIGIT -> c >= '0' && c <= '9';
            case LITERAL -> c == firstLiteral;
            case ANY -> true;
        };
        return own || alternates.stream().anyMatch(a -> a.mayStart(line));
    }

    /** {@link #separatorAt} when the line cannot start a message. */
    static final int NO_MESSAGE = -1;
    /** {@link #separatorAt} when only the decoded line can tell. */
    static final int UNDECIDED = -2;

    /**
     * {@link #mayStart(String)} on a line's raw bytes, answered with where its severity separator {@code ":  "}
     * is (the message's words follow it), {@link #NO_MESSAGE}, or {@link #UNDECIDED}.
     */
    int separatorAt(byte[] b, int from, int to) {
        int own = ownSeparatorAt(b, from, to);
        for (LogLinePrefix alt : alternateArray) { // an array: no iterator on every line of the log
            if (own != NO_MESSAGE) {
                return own;
            }
            own = alt.ownSeparatorAt(b, from, to);
        }
        return own;
    }

    private int ownSeparatorAt(byte[] b, int from, int to) {
        if (from >= to) {
            return NO_MESSAGE;
        }
        int c = b[from] & 0xff;
        switch (firstKind) {
            case DIGIT -> {
                if (c < '0' || c > '9') {
                    return NO_MESSAGE;
                }
            }
            case LITERAL -> {
                if (firstLiteral >= 128 || c >= 128) {
                    return UNDECIDED;
                }
                if (c != firstLiteral) {
                    return NO_MESSAGE;
                }
            }
            case ANY -> {
            }
        }
        return ByteSearch.separator(b, from, to);
    }

    private enum FirstKind { DIGIT, LITERAL, ANY }

    private static FirstKind firstKind(String prefix) {
        if (prefix.isEmpty()) {
            return FirstKind.ANY;
        }
        if (prefix.charAt(0) != '%') {
            return FirstKind.LITERAL;
        }
        return prefix.length() > 1 && "mtnpcl".indexOf(prefix.charAt(1)) >= 0 ? FirstKind.DIGIT : FirstKind.ANY;
    }

    /**
     * Matches a message's first line within a step budget. A prefix with several free-text fields is
     * ambiguous, and on a line that does not fit it the regex can backtrack for minutes (the fuzzer found
     * such prefixes); a line that exhausts the budget counts as not matching instead of stalling the scan.
     */
    public Optional<Matcher> match(String line) {
        Matcher m = pattern.matcher(new BudgetedChars(line, STEPS_PER_CHAR * (long) line.length() + BASE_STEPS));
        try {
            if (m.matches()) {
                return Optional.of(m);
            }
        } catch (BudgetedChars.Exhausted e) {
            // as not matching
        }
        for (LogLinePrefix alt : alternates) {
            Optional<Matcher> other = alt.match(line);
            if (other.isPresent()) {
                return other;
            }
        }
        return Optional.empty();
    }

    /** A line as the regex engine reads it: every character read counts against the budget. */
    private static final class BudgetedChars implements CharSequence {
        private static final class Exhausted extends RuntimeException {
            Exhausted() {
                super("regex step budget exhausted", null, false, false);
            }
        }

        private final String text;
        private long left;

        BudgetedChars(String text, long budget) {
            this.text = text;
            this.left = budget;
        }

        @Override
        public char charAt(int index) {
            if (--left < 0) {
                throw new Exhausted();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.substring(start, end); // group values: read once, not by the matcher
        }

        @Override
        public String toString() {
            return text;
        }
    }

    public Pattern pattern() {
        return pattern;
    }

    public boolean hasXid() {
        return hasXid;
    }

    public boolean hasMillis() {
        return hasMillis;
    }

    @Override
    public String toString() {
        return prefix;
    }
}
