package dev.pitr.target.log;

import java.time.Duration;
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
 * Reads the server messages that carry a statement, in every language PostgreSQL ships ({@code lc_messages}):
 * {@code statement: SQL}, {@code execute NAME: SQL}, and their {@code duration: N ms  ...} forms, which
 * {@code log_min_duration_statement} writes after the statement ended. Severities are mapped back to English.
 */
public final class LogMessages {
    /** How the statement was logged: at its start, or after it finished with how long it ran. */
    public enum Logged {
        /** {@code statement:} / {@code execute}: written when the statement started (log_statement). */
        AT_START,
        /** {@code duration: N ms  statement:}: written when it ended, in autocommit after its commit. */
        AFTER_DURATION
    }

    /** A statement as a log message carries it. */
    public record LoggedStatement(String sql, Logged logged, Optional<String> durationMs) {
        /** How long it ran, for a statement logged with its duration (read only when asked: most never are). */
        public Optional<Duration> duration() {
            return durationMs.flatMap(LogMessages::duration);
        }
    }

    private record Language(String name, List<Form> atStart, List<Form> afterDuration, Pattern parameterChanged) {
    }

    /**
     * A message format as a regex, and the text every such message starts with (empty when it starts with an
     * argument): most messages are told apart by it without making a Matcher, which costs on every message.
     */
    /**
     * One message format as a regex, and its text before the first argument. A format that is that text and
     * then the SQL ({@code statement: %s}, the most logged message there is) is split without the regex.
     */
    private record Form(Pattern pattern, String start, boolean startThenSql, Optional<String> msThenSql, boolean hasMs) {
        private static final String SQL = "(?<sql>.*)";
        private static final String MS = "(?<ms>[0-9.,]+)";

        static Form of(String format, Map<Integer, String> roles) {
            Matcher first = CONVERSION.matcher(format);
            boolean found = first.find();
            String start = found ? format.substring(0, first.start()) : format;
            boolean startThenSql = found && first.end() == format.length() && SQL.equals(roles.get(argument(first, 1)));
            Optional<String> msThenSql = Optional.empty();
            if (found && MS.equals(roles.get(argument(first, 1)))) { // "duration: %s ms  statement: %s"
                int afterMs = first.end();
                if (first.find() && first.end() == format.length() && SQL.equals(roles.get(argument(first, 2)))) {
                    String between = format.substring(afterMs, first.start());
                    if (!between.isEmpty() && "0123456789.,".indexOf(between.charAt(0)) < 0) {
                        msThenSql = Optional.of(between); // the number ends where this text starts: no backtracking
                    }
                }
            }
            return new Form(compile(format, roles), start, startThenSql, msThenSql,
                    roles.values().stream().anyMatch(r -> r.startsWith("(?<ms>")));
        }

        /** The argument a conversion stands for: its explicit {@code N$}, else the next in order. */
        private static int argument(Matcher conversion, int inOrder) {
            return conversion.group(1) != null ? Integer.parseInt(conversion.group(1)) : inOrder;
        }

        /** The message's SQL and duration (null where the format has none), when it has this form. */
        Optional<Fields> match(String message) {
            if (!message.startsWith(start)) {
                return Optional.empty();
            }
            if (startThenSql) { // what the regex (the text, then .* with DOTALL) would give
                return Optional.of(new Fields(message.substring(start.length()), null));
            }
            if (msThenSql.isPresent()) { // the same for the text, a number, the text between, then the SQL
                int i = start.length();
                while (i < message.length() && "0123456789.,".indexOf(message.charAt(i)) >= 0) {
                    i++;
                }
                String between = msThenSql.get();
                return i > start.length() && message.startsWith(between, i)
                        ? Optional.of(new Fields(message.substring(i + between.length()), message.substring(start.length(), i)))
                        : Optional.empty();
            }
            Matcher m = pattern.matcher(message);
            if (!m.matches()) {
                return Optional.empty();
            }
            return Optional.of(new Fields(m.group("sql"), hasMs ? m.group("ms") : null));
        }
    }

    /** What a message format's arguments held. */
    private record Fields(String sql, String ms) {
    }

    private static final String[] SEVERITIES = {"DEBUG", "LOG", "INFO", "NOTICE", "WARNING", "ERROR", "FATAL", "PANIC",
            "STATEMENT", "DETAIL", "HINT", "QUERY", "CONTEXT", "LOCATION"};
    private static final java.util.Set<String> WITH_SEPARATOR = java.util.Set.of("STATEMENT", "DETAIL", "HINT", "QUERY",
            "CONTEXT", "LOCATION");
    private static volatile LogMessages standard;

    private final List<Language> languages = new ArrayList<>();
    private final Map<String, String> severityToEnglish = new HashMap<>();
    private final String severityAlternatives;
    /** The spellings of the severities that end with one character, shortest first, and what each means. */
    private record Spellings(String[] words, Severity[] severities) {
    }

    /** By the last character of a severity's spelling: ASCII in the array, the rest in the map. */
    private final Spellings[] spellingsByAsciiLastChar = new Spellings[128];
    private final Map<Character, Spellings> spellingsByLastChar = new HashMap<>();

    LogMessages(Map<String, Map<String, String>> catalogs) {
        Map<String, Map<String, String>> all = new LinkedHashMap<>();
        Map<String, String> english = new HashMap<>();
        MessageCatalog.MSGIDS.forEach(id -> english.put(id, id));
        all.put("en", english);
        all.putAll(catalogs);
        all.forEach((lang, msgs) -> {
            languages.add(language(lang, msgs));
            for (String sev : SEVERITIES) {
                // elog.c translates the message-part labels with their separator ("STATEMENT:  ")
                String id = WITH_SEPARATOR.contains(sev) ? sev + ":  " : sev;
                String translated = msgs.getOrDefault(id, sev);
                if (translated.endsWith(":  ")) {
                    translated = translated.substring(0, translated.length() - 3);
                }
                severityToEnglish.putIfAbsent(translated, sev);
            }
        });
        // English first (most logs), then the rest longest first: the regex tries the alternatives in order
        List<String> englishWords = java.util.Arrays.asList(SEVERITIES);
        String severityRegex = severityToEnglish.keySet().stream()
                .sorted(Comparator.comparing((String w) -> englishWords.contains(w) ? 0 : 1)
                        .thenComparing(Comparator.comparingInt(String::length).reversed()))
                .map(Pattern::quote).reduce((a, b) -> a + "|" + b).orElseThrow();
        // a prefix's free-text fields end lazily: at every position the regex would try each of the ~150
        // severities; a look-ahead for their first characters skips the positions where none can start
        String firsts = severityToEnglish.keySet().stream().mapToInt(w -> w.codePointAt(0)).distinct().sorted()
                .mapToObj(c -> "\\x{" + Integer.toHexString(c) + "}").collect(java.util.stream.Collectors.joining());
        severityAlternatives = "(?=[" + firsts + "])(?:" + severityRegex + ")";
        severityToEnglish.keySet().stream().collect(java.util.stream.Collectors.groupingBy(w -> w.charAt(w.length() - 1)))
                .forEach((last, words) -> {
                    String[] sorted = words.stream().sorted(Comparator.comparingInt(String::length)).toArray(String[]::new);
                    Severity[] meanings = java.util.Arrays.stream(sorted).map(w -> Severity.of(severityToEnglish.get(w)))
                            .toArray(Severity[]::new);
                    Spellings spellings = new Spellings(sorted, meanings);
                    if (last < spellingsByAsciiLastChar.length) {
                        spellingsByAsciiLastChar[last] = spellings;
                    } else {
                        spellingsByLastChar.put(last, spellings);
                    }
                });
    }

    /** The catalogs bundled at build time (and, without them, those installed on this machine). */
    public static LogMessages standard() {
        LogMessages m = standard;
        if (m == null) {
            synchronized (LogMessages.class) {
                if (standard == null) {
                    standard = new LogMessages(MessageCatalog.load());
                }
                m = standard;
            }
        }
        return m;
    }

    public int languages() {
        return languages.size();
    }

    /**
     * An alternation of every severity word in every language (English first, then longest first), behind a
     * look-ahead for their first characters: for the prefix regex.
     */
    String severityRegex() {
        return severityAlternatives;
    }

    /** LOG for LOG, FEHLER, ОШИБКА, 日志, ...; the text itself when it is no severity pitr knows. */
    public Severity english(String severity) {
        return Severity.of(severityToEnglish.getOrDefault(severity, severity));
    }

    /**
     * The severity whose spelling ends {@code line} just before {@code separator} (its {@code ":  "}), when
     * every spelling that does so means the same one; empty when none does or they disagree.
     */
    public Optional<Severity> severityBefore(String line, int separator) {
        Severity found = null;
        if (separator < 1) {
            return Optional.empty();
        }
        char last = line.charAt(separator - 1);
        Spellings spellings = last < spellingsByAsciiLastChar.length ? spellingsByAsciiLastChar[last]
                : spellingsByLastChar.get(last);
        if (spellings == null) {
            return Optional.empty();
        }
        String[] words = spellings.words();
        for (int k = 0; k < words.length; k++) {
            String word = words[k];
            if (word.length() > separator) {
                break;
            }
            if (line.startsWith(word, separator - word.length())) { // compared in place: no substring, no hash
                Severity s = spellings.severities()[k];
                if (found != null && found != s) {
                    return Optional.empty();
                }
                found = s;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Every spelling of these English severities, in every language. */
    public List<String> translations(String... english) {
        java.util.Set<String> wanted = java.util.Set.of(english);
        List<String> out = new ArrayList<>();
        severityToEnglish.forEach((word, en) -> {
            if (wanted.contains(en)) {
                out.add(word);
            }
        });
        return out;
    }

    /** The statement a message carries, in whichever language it was written. */
    public Optional<LoggedStatement> statement(String message) {
        for (Language l : languages) {
            for (Form f : l.afterDuration()) {
                Optional<Fields> m = f.match(message);
                if (m.isPresent()) {
                    return Optional.of(new LoggedStatement(m.get().sql(), Logged.AFTER_DURATION, Optional.ofNullable(m.get().ms())));
                }
            }
            for (Form f : l.atStart()) {
                Optional<Fields> m = f.match(message);
                if (m.isPresent()) {
                    return Optional.of(new LoggedStatement(m.get().sql(), Logged.AT_START, Optional.empty()));
                }
            }
        }
        return Optional.empty();
    }

    /** {@code parameter "log_line_prefix" changed to "..."} (a reload), in any language: the new value. */
    public Optional<String> parameterChange(String message, String parameter) {
        for (Language l : languages) {
            Matcher m = l.parameterChanged().matcher(message);
            if (m.matches() && m.group("name").equals(parameter)) {
                return Optional.of(m.group("value"));
            }
        }
        return Optional.empty();
    }

    private static Optional<Duration> duration(String ms) {
        try {
            return Optional.of(Duration.ofNanos(Math.round(Double.parseDouble(ms.replace(',', '.')) * 1_000_000)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Language language(String name, Map<String, String> msgs) {
        String execute = alternation(msgs.getOrDefault("execute fetch from", "execute fetch from"),
                msgs.getOrDefault("execute", "execute"), "execute fetch from", "execute");
        Map<Integer, String> exec = Map.of(2, "(?:" + execute + ")", 3, ".*?", 4, "/?", 5, ".*?", 6, "(?<sql>.*)");
        Map<Integer, String> execNoDuration = Map.of(1, "(?:" + execute + ")", 2, ".*?", 3, "/?", 4, ".*?", 5, "(?<sql>.*)");
        List<Form> atStart = List.of(
                Form.of(msgs.getOrDefault("statement: %s", "statement: %s"), Map.of(1, "(?<sql>.*)")),
                Form.of(msgs.getOrDefault("%s %s%s%s: %s", "%s %s%s%s: %s"), execNoDuration));
        Map<Integer, String> durExec = new HashMap<>(exec);
        durExec.put(1, "(?<ms>[0-9.,]+)");
        List<Form> afterDuration = List.of(
                Form.of(msgs.getOrDefault("duration: %s ms  statement: %s", "duration: %s ms  statement: %s"),
                        Map.of(1, "(?<ms>[0-9.,]+)", 2, "(?<sql>.*)")),
                Form.of(msgs.getOrDefault("duration: %s ms  %s %s%s%s: %s", "duration: %s ms  %s %s%s%s: %s"), durExec));
        Pattern changed = compile(msgs.getOrDefault("parameter \"%s\" changed to \"%s\"", "parameter \"%s\" changed to \"%s\""),
                Map.of(1, "(?<name>[a-z_]+)", 2, "(?<value>.*)"));
        return new Language(name, atStart, afterDuration, changed);
    }

    private static String alternation(String... words) {
        return java.util.Arrays.stream(words).distinct().sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote).reduce((a, b) -> a + "|" + b).orElseThrow();
    }

    private static final Pattern CONVERSION = Pattern.compile("%(?:(\\d+)\\$)?s");

    /** A printf format ({@code %s}, or {@code %2$s} where a translation reorders) as a regex, by argument role. */
    static Pattern compile(String format, Map<Integer, String> roles) {
        StringBuilder re = new StringBuilder();
        Matcher m = CONVERSION.matcher(format);
        int last = 0;
        int arg = 0;
        java.util.Set<Integer> used = new java.util.HashSet<>();
        while (m.find()) {
            re.append(Pattern.quote(format.substring(last, m.start())));
            int index = m.group(1) != null ? Integer.parseInt(m.group(1)) : ++arg;
            String role = roles.getOrDefault(index, ".*?");
            // a named group may appear once; a translation repeating an argument matches it loosely the second time
            re.append(used.add(index) ? role : ".*?");
            last = m.end();
        }
        re.append(Pattern.quote(format.substring(last)));
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
