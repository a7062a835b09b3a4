package dev.pitr.target;

import dev.pitr.target.log.KeywordFilter;
import dev.pitr.target.log.LogEntry;
import dev.pitr.target.log.LogMessages;
import dev.pitr.target.log.LogFiles;
import dev.pitr.target.log.LogReader;
import dev.pitr.target.log.MessageFilter;
import dev.pitr.target.sql.SqlTokenizer;
import dev.pitr.target.sql.TransactionControl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Whether a candidate's transaction was rolled back by its own session: {@code BEGIN} before it, then
 * {@code ROLLBACK} (or {@code COMMIT} after an error, which PostgreSQL turns into a rollback) with no commit
 * between. Only positive evidence marks a statement: without logged transaction control it stays a suspect,
 * because ranking the real mistake last would restore the wrong moment.
 */
final class SessionOutcomes {
    private static final List<String> CONTROL_WORDS = List.of("begin", "start", "commit", "end", "rollback", "abort");
    /** Candidates whose files are re-read for their session's transaction control, at most. */
    private static final int MAX_FILES = 8;

    private enum Control { BEGIN, COMMIT, ROLLBACK, OTHER }

    private SessionOutcomes() {
    }

    /** The locations ({@code file:line}) of the candidates that were rolled back. */
    static Set<String> rolledBack(List<Candidate> candidates, Set<Path> splittable,
                                  BiFunction<Path, MessageFilter, LogReader> readers) {
        Map<String, List<Candidate>> byFile = new HashMap<>();
        for (Candidate c : candidates) {
            if (c.pid() != null && c.committed()) {
                byFile.computeIfAbsent(c.place().file(), f -> new ArrayList<>()).add(c);
            }
        }
        Set<String> out = new HashSet<>();
        byFile.entrySet().stream().limit(MAX_FILES).forEach(f -> out.addAll(inFile(Path.of(f.getKey()), f.getValue(),
                splittable.contains(Path.of(f.getKey())), readers)));
        return out;
    }

    /**
     * How much of a plain file around a candidate is read for its session's BEGIN and ROLLBACK: a transaction
     * longer than this in the log is not judged (and so stays a suspect).
     */
    static final long WINDOW_BYTES = 8L << 20;

    /**
     * A control statement at a place in the log: the message's position (byte offset or line) times
     * {@link #STATEMENTS}, plus the statement's index in its query string, so a string's own statements keep their
     * order around a candidate inside it.
     */
    private record Event(long position, Control control) {
    }

    private static final long STATEMENTS = 4096;

    private static long position(long message, int statement) {
        return message * STATEMENTS + Math.min(statement, STATEMENTS - 1);
    }

    private static Set<String> inFile(Path file, List<Candidate> candidates, boolean splittable,
                                      BiFunction<Path, MessageFilter, LogReader> readers) {
        Set<Integer> pids = new HashSet<>();
        candidates.forEach(c -> pids.add(c.pid()));
        Map<Integer, List<Event>> events = new HashMap<>();
        LogMessages messages = LogMessages.standard();
        java.util.function.Consumer<LogEntry> sink = e -> {
            if (e.pid() == null || !pids.contains(e.pid())) {
                return;
            }
            long at = splittable ? e.offset() : e.line();
            List<Event> mine = events.computeIfAbsent(e.pid(), p -> new ArrayList<>());
            if (e.severity().failure()) { // an error: the open transaction can only roll back now
                mine.add(new Event(position(at, 0), Control.OTHER));
                return;
            }
            messages.statement(e.message()).ifPresent(st -> {
                List<Optional<TransactionControl>> controls = TransactionControl.ofEach(SqlTokenizer.statements(st.sql()));
                for (int i = 0; i < controls.size(); i++) {
                    Control c = controls.get(i).map(SessionOutcomes::control).orElse(null);
                    if (c != null) {
                        mine.add(new Event(position(at, i), c));
                    }
                }
            });
        };
        boolean byOffset = splittable && candidates.stream().allMatch(c -> c.offset() >= 0);
        if (byOffset) { // only the neighbourhood of each candidate, not the whole (maybe huge) file
            try {
                long size = java.nio.file.Files.size(file);
                for (long[] range : windows(candidates, size)) {
                    long from = LogFiles.messageBoundary(file, range[0]);
                    long to = range[1] >= size ? size : LogFiles.messageBoundary(file, range[1]);
                    if (to > from) {
                        readers.apply(file, new MessageFilter.Words(mayMatter().inSessions(pids))).readRange(file, from, to, sink);
                    }
                }
            } catch (java.io.IOException e) {
                return Set.of(); // no evidence: nothing is marked
            }
        } else {
            readers.apply(file, new MessageFilter.Words(mayMatter())).read(file, sink);
        }
        Set<String> out = new HashSet<>();
        for (Candidate c : candidates) {
            List<Event> mine = events.getOrDefault(c.pid(), List.of());
            if (rolledBack(mine.stream().sorted(java.util.Comparator.comparingLong(Event::position)).toList(),
                    position(byOffset ? c.offset() : c.place().line(), c.place().statement()))) {
                out.add(c.location());
            }
        }
        return out;
    }

    /** The merged byte ranges of {@link #WINDOW_BYTES} either side of each candidate. */
    private static List<long[]> windows(List<Candidate> candidates, long size) {
        List<long[]> ranges = new ArrayList<>();
        candidates.stream().mapToLong(Candidate::offset).sorted().forEach(off -> {
            long from = Math.max(0, off - WINDOW_BYTES);
            long to = Math.min(size, off + WINDOW_BYTES);
            if (!ranges.isEmpty() && ranges.get(ranges.size() - 1)[1] >= from) {
                ranges.get(ranges.size() - 1)[1] = Math.max(ranges.get(ranges.size() - 1)[1], to);
            } else {
                ranges.add(new long[]{from, to});
            }
        });
        return ranges;
    }

    /** BEGIN before {@code line} with nothing closing it, then a ROLLBACK (or COMMIT after an error) after it. */
    private static boolean rolledBack(List<Event> events, long position) {
        boolean open = false;
        boolean failed = false;
        for (Event e : events) {
            if (e.position() < position) {
                switch (e.control()) {
                    case BEGIN -> {
                        open = true;
                        failed = false;
                    }
                    case COMMIT, ROLLBACK -> open = false;
                    case OTHER -> failed = open;
                }
            } else if (e.position() > position && open) {
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

    /** How a session's control statement moves its transaction; savepoints do not end it (null). */
    private static Control control(TransactionControl c) {
        return switch (c.kind()) {
            case BEGIN -> Control.BEGIN;
            case COMMIT -> Control.COMMIT;
            case ROLLBACK -> Control.ROLLBACK;
            case SAVEPOINT, RELEASE, ROLLBACK_TO -> null;
        };
    }

    /**
     * The messages that may be transaction control or an error, judged on their raw bytes (a plain log is
     * never decoded for the rest): a control word, or ERROR/FATAL in any language the catalogs have just before
     * the severity separator.
     */
    static KeywordFilter mayMatter() {
        return new KeywordFilter(CONTROL_WORDS, null, List.of(), LogMessages.standard().translations("ERROR", "FATAL"));
    }
}
