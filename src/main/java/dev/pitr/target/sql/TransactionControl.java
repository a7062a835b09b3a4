package dev.pitr.target.sql;

import dev.pitr.target.sql.SqlTokenizer.Token;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Transaction control as PostgreSQL executes it, statement by statement: what a query string's own
 * {@code BEGIN}, {@code COMMIT}, {@code ROLLBACK} and savepoints do to the statements around them. A query string
 * with several statements runs as one implicit transaction unless it controls its own, and a {@code ROLLBACK}
 * inside it undoes what came before it in the same transaction, explicit or implicit.
 */
public record TransactionControl(Kind kind, Optional<String> savepoint) {
    public enum Kind { BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, ROLLBACK_TO }

    /** The control a statement is, if it is one ({@code PREPARE TRANSACTION} takes it out of the session: a commit). */
    static Optional<TransactionControl> of(List<Token> t) {
        if (t.isEmpty()) {
            return Optional.empty();
        }
        String second = t.size() > 1 ? t.get(1).upper() : "";
        return switch (t.get(0).upper()) {
            case "BEGIN" -> plain(Kind.BEGIN);
            case "START" -> second.equals("TRANSACTION") ? plain(Kind.BEGIN) : Optional.empty();
            case "COMMIT", "END" -> second.equals("PREPARED") ? Optional.empty() : plain(Kind.COMMIT);
            case "PREPARE" -> second.equals("TRANSACTION") ? plain(Kind.COMMIT) : Optional.empty();
            case "ROLLBACK", "ABORT" -> second.equals("PREPARED") ? Optional.empty()
                    : rollbackTo(t).map(name -> new TransactionControl(Kind.ROLLBACK_TO, Optional.of(name)))
                    .or(() -> plain(Kind.ROLLBACK));
            case "SAVEPOINT" -> named(Kind.SAVEPOINT, t, 1);
            case "RELEASE" -> named(Kind.RELEASE, t, second.equals("SAVEPOINT") ? 2 : 1);
            default -> Optional.empty();
        };
    }

    /** The controls of every statement of a query string, in order (one entry per statement, empty where none). */
    public static List<Optional<TransactionControl>> ofEach(List<List<Token>> statements) {
        List<Optional<TransactionControl>> out = new ArrayList<>(statements.size());
        statements.forEach(s -> out.add(of(s)));
        return out;
    }

    /**
     * Whether the statement at {@code index} of a query string is undone by the string itself: a {@code ROLLBACK}
     * after it before any {@code COMMIT}, or a {@code ROLLBACK TO} a savepoint set before it in the same
     * transaction. False when the string leaves its outcome to later statements of the session or commits it.
     */
    public static boolean undoneWithin(List<Optional<TransactionControl>> controls, int index) {
        List<String> savepoints = new ArrayList<>();
        for (int i = 0; i < index; i++) {
            Optional<TransactionControl> c = controls.get(i);
            if (c.isEmpty()) {
                continue;
            }
            switch (c.get().kind()) {
                case BEGIN, COMMIT, ROLLBACK -> savepoints.clear();
                case SAVEPOINT -> savepoints.add(c.get().savepoint().orElseThrow());
                case RELEASE -> forgetFrom(savepoints, c.get().savepoint().orElseThrow());
                case ROLLBACK_TO -> { } // the savepoint stays; statements before this one are not ours
            }
        }
        for (int i = index + 1; i < controls.size(); i++) {
            Optional<TransactionControl> c = controls.get(i);
            if (c.isEmpty()) {
                continue;
            }
            switch (c.get().kind()) {
                case COMMIT -> {
                    return false;
                }
                case ROLLBACK -> {
                    return true;
                }
                case ROLLBACK_TO -> {
                    if (savepoints.contains(c.get().savepoint().orElseThrow())) {
                        return true;
                    }
                }
                case RELEASE -> forgetFrom(savepoints, c.get().savepoint().orElseThrow());
                case BEGIN, SAVEPOINT -> { } // BEGIN inside a transaction is only a warning
            }
        }
        return false;
    }

    /** RELEASE of a savepoint also releases every savepoint set after it. */
    private static void forgetFrom(List<String> savepoints, String name) {
        int at = savepoints.lastIndexOf(name);
        if (at >= 0) {
            savepoints.subList(at, savepoints.size()).clear();
        }
    }

    private static Optional<TransactionControl> plain(Kind kind) {
        return Optional.of(new TransactionControl(kind, Optional.empty()));
    }

    private static Optional<TransactionControl> named(Kind kind, List<Token> t, int at) {
        return at < t.size() ? Optional.of(new TransactionControl(kind, Optional.of(name(t.get(at))))) : Optional.empty();
    }

    /** {@code ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] name}: the name. */
    private static Optional<String> rollbackTo(List<Token> t) {
        int i = 1;
        if (i < t.size() && (t.get(i).is("WORK") || t.get(i).is("TRANSACTION"))) {
            i++;
        }
        if (i >= t.size() || !t.get(i).is("TO")) {
            return Optional.empty();
        }
        i++;
        if (i < t.size() && t.get(i).is("SAVEPOINT")) {
            i++;
        }
        return i < t.size() ? Optional.of(name(t.get(i))) : Optional.empty();
    }

    private static String name(Token t) {
        return t.kind() == SqlTokenizer.Kind.QUOTED_IDENT ? t.text() : t.text().toLowerCase(java.util.Locale.ROOT);
    }
}
