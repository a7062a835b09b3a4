package dev.pitr.logscan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Whether a candidate's transaction was rolled back by its own session: {@code BEGIN} before it, then
 * {@code ROLLBACK} (or {@code COMMIT} after an error, which PostgreSQL turns into a rollback) with no commit
 * between. Only positive evidence marks a statement: without logged transaction control it stays a suspect,
 * because ranking the real mistake last would restore the wrong moment.
 */
final class SessionOutcomes {
    private static final List<String> CONTROL_WORDS = List.of("begin", "start", "commit", "end", "rollback", "abort",
            "error", "fatal");
    /** Candidates whose files are re-read for their session's transaction control, at most. */
    private static final int MAX_FILES = 8;

    private enum Control { BEGIN, COMMIT, ROLLBACK, OTHER }

    private SessionOutcomes() {
    }

    /** The locations ({@code file:line}) of the candidates that were rolled back. */
    static Set<String> rolledBack(List<Candidate> candidates, Function<Path, LogReader> readers) {
        Map<String, List<Candidate>> byFile = new HashMap<>();
        for (Candidate c : candidates) {
            if (c.pid() != null && !c.failed()) {
                byFile.computeIfAbsent(file(c), f -> new ArrayList<>()).add(c);
            }
        }
        Set<String> out = new HashSet<>();
        byFile.entrySet().stream().limit(MAX_FILES).forEach(f -> out.addAll(inFile(Path.of(f.getKey()), f.getValue(), readers)));
        return out;
    }

    private record Event(long line, Control control) {
    }

    private static Set<String> inFile(Path file, List<Candidate> candidates, Function<Path, LogReader> readers) {
        Set<Integer> pids = new HashSet<>();
        candidates.forEach(c -> pids.add(c.pid()));
        Map<Integer, List<Event>> events = new HashMap<>();
        LogMessages messages = LogMessages.standard();
        readers.apply(file).read(file, e -> {
            if (e.pid() == null || !pids.contains(e.pid())) {
                return;
            }
            Control c;
            if ("ERROR".equals(e.severity()) || "FATAL".equals(e.severity())) {
                c = Control.OTHER; // an error: the open transaction can only roll back now
            } else {
                c = messages.statement(e.message()).map(s -> control(s.sql())).orElse(null);
            }
            if (c != null) {
                events.computeIfAbsent(e.pid(), p -> new ArrayList<>()).add(new Event(e.line(), c));
            }
        });
        Set<String> out = new HashSet<>();
        for (Candidate c : candidates) {
            if (rolledBack(events.getOrDefault(c.pid(), List.of()), line(c))) {
                out.add(c.location());
            }
        }
        return out;
    }

    /** BEGIN before {@code line} with nothing closing it, then a ROLLBACK (or COMMIT after an error) after it. */
    private static boolean rolledBack(List<Event> events, long line) {
        boolean open = false;
        boolean failed = false;
        for (Event e : events) {
            if (e.line() < line) {
                switch (e.control()) {
                    case BEGIN -> {
                        open = true;
                        failed = false;
                    }
                    case COMMIT, ROLLBACK -> open = false;
                    case OTHER -> failed = open;
                }
            } else if (e.line() > line && open) {
                switch (e.control()) {
                    case ROLLBACK -> {
                        return true;
                    }
                    case COMMIT -> {
                        return failed;
                    }
                    case OTHER -> failed = true;
                    case BEGIN -> {
                        return false;
                    }
                }
            }
        }
        return false;
    }

    /** A transaction-control statement, or null for any other SQL. */
    private static Control control(String sql) {
        List<List<SqlTokenizer.Token>> statements = SqlTokenizer.statements(sql);
        if (statements.size() != 1 || statements.get(0).isEmpty()) {
            return null;
        }
        List<SqlTokenizer.Token> t = statements.get(0);
        String first = t.get(0).upper();
        String second = t.size() > 1 ? t.get(1).upper() : "";
        return switch (first) {
            case "BEGIN" -> Control.BEGIN;
            case "START" -> second.equals("TRANSACTION") ? Control.BEGIN : null;
            case "COMMIT", "END" -> second.equals("PREPARED") ? null : Control.COMMIT;
            case "ROLLBACK", "ABORT" -> second.equals("TO") || second.equals("PREPARED") ? null : Control.ROLLBACK;
            case "PREPARE" -> second.equals("TRANSACTION") ? Control.COMMIT : null; // out of the session's hands
            default -> null;
        };
    }

    /** The words a message must contain to be transaction control or an error (a cheap filter on raw text). */
    static boolean mayMatter(String text) {
        String head = text.length() > 400 ? text.substring(0, 400) : text;
        String lower = head.toLowerCase(Locale.ROOT);
        for (String w : CONTROL_WORDS) {
            if (lower.contains(w)) {
                return true;
            }
        }
        for (String severity : ERRORS) {
            if (head.contains(severity)) {
                return true;
            }
        }
        return false;
    }

    /** ERROR and FATAL in every language the catalogs have (FEHLER, ОШИБКА, 错误, ...). */
    private static final List<String> ERRORS = LogMessages.standard().translations("ERROR", "FATAL");

    private static String file(Candidate c) {
        return c.location().substring(0, c.location().lastIndexOf(':'));
    }

    private static long line(Candidate c) {
        return Long.parseLong(c.location().substring(c.location().lastIndexOf(':') + 1));
    }
}
