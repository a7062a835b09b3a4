package dev.pitr.target.sql;

import dev.pitr.target.sql.DestructiveStatement.Kind;
import dev.pitr.target.sql.DestructiveStatement.QualifiedName;
import dev.pitr.target.sql.SqlTokenizer.Token;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Recognises destructive statements from their tokens (comments, strings and dollar quotes already stripped). */
public final class SqlClassifier {
    private SqlClassifier() {
    }

    /** Every destructive statement in a logged SQL text (one log line may hold several statements). */
    public static List<DestructiveStatement> classify(String sql) {
        if (plainlyHarmless(sql)) {
            return List.of();
        }
        return classifyTokens(sql);
    }

    /** The full path: every statement's tokens made and looked at. */
    public static List<DestructiveStatement> classifyTokens(String sql) {
        List<DestructiveStatement> out = new ArrayList<>();
        for (List<Token> st : SqlTokenizer.statements(sql)) {
            out.addAll(withCtes(st));
        }
        return out;
    }

    /**
     * Whether no statement in {@code sql} can be destructive, decided while lexing, without making a token:
     * each statement starts with a word {@link #classify(List)} never looks at (SELECT, INSERT, BEGIN, ...), or
     * is an UPDATE or DELETE with a WHERE outside parentheses. That is nearly every statement of an
     * application's busiest table, and half the cost of scanning a log for it; anything else (DROP, TRUNCATE,
     * ALTER, WITH, an UPDATE without a top-level WHERE) takes the full path.
     */
    public static boolean plainlyHarmless(String sql) {
        final class Check implements SqlTokenizer.Sink {
            boolean harmless = true;
            int tokens;
            boolean restricted; // an UPDATE or DELETE: harmless only with a top-level WHERE
            boolean where;
            int depth;

            @Override
            public void token(SqlTokenizer.Kind kind, int start, int end) {
                if (tokens++ == 0) {
                    if (kind == SqlTokenizer.Kind.WORD) {
                        if (word(start, end, "UPDATE") || word(start, end, "DELETE")) {
                            restricted = true;
                        } else if (word(start, end, "DROP") || word(start, end, "TRUNCATE") || word(start, end, "ALTER")
                                || word(start, end, "WITH") || word(start, end, "DO")) {
                            harmless = false;
                        }
                    }
                } else if (restricted && !where) {
                    if (kind == SqlTokenizer.Kind.SYMBOL) {
                        char c = sql.charAt(start);
                        depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                    } else if (depth == 0 && kind == SqlTokenizer.Kind.WORD && word(start, end, "WHERE")) {
                        where = true;
                    }
                }
            }

            private boolean word(int start, int end, String keyword) {
                return end - start == keyword.length() && sql.regionMatches(true, start, keyword, 0, keyword.length());
            }

            @Override
            public void endOfStatement() {
                if (tokens > 0 && restricted && !where) {
                    harmless = false;
                }
                tokens = 0;
                restricted = false;
                where = false;
                depth = 0;
            }
        }
        Check check = new Check();
        SqlTokenizer.scan(sql, check);
        return check.harmless;
    }

    /**
     * A statement and the data-modifying statements of its WITH clause: {@code WITH d AS (DELETE FROM t
     * RETURNING *) SELECT ...} deletes as surely as a plain DELETE.
     */
    public static List<DestructiveStatement> withCtes(List<Token> t) {
        List<DestructiveStatement> out = new ArrayList<>();
        if (!t.isEmpty() && t.get(0).is("DO")) {
            return doBlock(t);
        }
        if (t.isEmpty() || !t.get(0).is("WITH")) {
            classify(t).ifPresent(out::add);
            return out;
        }
        int depth = 0;
        for (int i = 1; i < t.size(); i++) {
            Token tok = t.get(i);
            if (symbol(tok, "(")) {
                if (depth == 0 && cteBodyStarts(t, i)) {
                    int close = matching(t, i);
                    out.addAll(withCtes(t.subList(i + 1, close)));
                    i = close;
                    continue;
                }
                depth++;
            } else if (symbol(tok, ")")) {
                depth--;
            } else if (depth == 0 && (tok.is("DELETE") || tok.is("UPDATE") || tok.is("SELECT") || tok.is("INSERT")
                    || tok.is("MERGE"))) {
                classify(t.subList(i, t.size())).ifPresent(out::add); // the main statement after the WITH list
                break;
            }
        }
        return out;
    }

    /** How deep strings EXECUTEd inside strings are followed. */
    private static final int MAX_NESTING = 4;

    /**
     * {@code DO [LANGUAGE l] 'body'}: the destructive statements of the body, and of the strings it EXECUTEs
     * (a literal, or the format string of {@code format(...)}), each marked as inside a block.
     */
    static List<DestructiveStatement> doBlock(List<Token> t) {
        return t.stream().filter(tok -> tok.kind() == SqlTokenizer.Kind.LITERAL && isString(tok.text())).findFirst()
                .map(body -> block(literalContent(body.text()), 0)).orElse(List.of());
    }

    private static List<DestructiveStatement> block(String code, int depth) {
        List<DestructiveStatement> out = new ArrayList<>();
        if (depth > MAX_NESTING) {
            return out;
        }
        for (List<Token> st : SqlTokenizer.statements(code)) {
            for (int i = 0; i < st.size(); i++) {
                // a statement starts the body's text, or follows a block word (BEGIN DROP ..., IF .. THEN DELETE ...)
                if (i == 0 || st.get(i - 1).is("BEGIN") || st.get(i - 1).is("THEN") || st.get(i - 1).is("ELSE")
                        || st.get(i - 1).is("LOOP") || st.get(i - 1).is("DECLARE")) {
                    withCtes(st.subList(i, st.size())).forEach(d -> out.add(d.insideBlock()));
                }
                if (st.get(i).is("EXECUTE")) {
                    executed(st, i + 1).ifPresent(sql -> block(sql, depth + 1).forEach(out::add));
                }
            }
        }
        return out;
    }

    /** The SQL text an EXECUTE at {@code i} runs when it is written out: a literal, or format()'s format string. */
    private static Optional<String> executed(List<Token> st, int i) {
        if (i < st.size() && st.get(i).kind() == SqlTokenizer.Kind.LITERAL && isString(st.get(i).text())) {
            return Optional.of(literalContent(st.get(i).text()));
        }
        if (i + 2 < st.size() && st.get(i).is("FORMAT") && symbol(st.get(i + 1), "(")
                && st.get(i + 2).kind() == SqlTokenizer.Kind.LITERAL && isString(st.get(i + 2).text())) {
            return Optional.of(literalContent(st.get(i + 2).text()));
        }
        return Optional.empty();
    }

    private static boolean isString(String literal) {
        return literal.startsWith("'") || literal.startsWith("$") || literal.length() > 1
                && (literal.charAt(0) == 'E' || literal.charAt(0) == 'e') && literal.charAt(1) == '\'';
    }

    /** A string literal's content: quotes (or the dollar tags) off, doubled quotes (and E'' escapes) undone. */
    static String literalContent(String literal) {
        if (literal.startsWith("$")) {
            int tagEnd = literal.indexOf('$', 1) + 1;
            String tag = literal.substring(0, tagEnd);
            int end = literal.length() >= 2 * tag.length() && literal.endsWith(tag) ? literal.length() - tag.length()
                    : literal.length();
            return literal.substring(tagEnd, Math.max(tagEnd, end));
        }
        boolean escapes = !literal.startsWith("'");
        String inner = literal.substring(escapes ? 2 : 1, literal.endsWith("'") && literal.length() > (escapes ? 2 : 1)
                ? literal.length() - 1 : literal.length());
        inner = inner.replace("''", "'");
        return escapes ? inner.replace("\\'", "'").replace("\\\\", "\\") : inner;
    }

    /** {@code AS (}, {@code AS MATERIALIZED (} or {@code AS NOT MATERIALIZED (} just before {@code open}. */
    private static boolean cteBodyStarts(List<Token> t, int open) {
        int j = open - 1;
        if (j >= 1 && t.get(j).is("MATERIALIZED")) {
            j--;
            if (j >= 1 && t.get(j).is("NOT")) {
                j--;
            }
        }
        return j >= 1 && t.get(j).is("AS");
    }

    private static int matching(List<Token> t, int open) {
        int depth = 0;
        for (int i = open; i < t.size(); i++) {
            if (symbol(t.get(i), "(")) {
                depth++;
            } else if (symbol(t.get(i), ")") && --depth == 0) {
                return i;
            }
        }
        return t.size();
    }

    private static boolean symbol(Token tok, String s) {
        return tok.kind() == SqlTokenizer.Kind.SYMBOL && tok.text().equals(s);
    }

    static Optional<DestructiveStatement> classify(List<Token> t) {
        if (t.isEmpty()) {
            return Optional.empty();
        }
        boolean cascade = t.get(t.size() - 1).is("CASCADE");
        if (t.get(0).is("DROP") && t.size() > 2) {
            int i = 2;
            Kind kind;
            if (t.get(1).is("TABLE")) {
                kind = Kind.DROP_TABLE;
            } else if (t.get(1).is("SCHEMA")) {
                kind = Kind.DROP_SCHEMA;
            } else if (t.get(1).is("DATABASE")) {
                kind = Kind.DROP_DATABASE;
            } else if (t.get(1).is("VIEW")) {
                kind = Kind.DROP_VIEW;
            } else if (t.get(1).is("MATERIALIZED") && t.get(2).is("VIEW")) {
                kind = Kind.DROP_MATERIALIZED_VIEW;
                i++;
            } else if (t.get(1).is("FUNCTION") || t.get(1).is("PROCEDURE") || t.get(1).is("ROUTINE")) {
                kind = Kind.DROP_FUNCTION;
            } else if (t.get(1).is("OWNED") && t.get(2).is("BY")) {
                i++; // DROP OWNED BY role: everything the role owns, in this database
                kind = Kind.DROP_OWNED;
            } else if (t.get(1).is("INDEX")) {
                kind = Kind.DROP_INDEX;
                if (t.get(2).is("CONCURRENTLY")) {
                    i++;
                }
            } else {
                return Optional.empty();
            }
            if (i + 1 < t.size() && t.get(i).is("IF") && t.get(i + 1).is("EXISTS")) {
                i += 2;
            }
            return Optional.of(new DestructiveStatement(kind, nameList(t, i), cascade));
        }
        if (t.get(0).is("TRUNCATE")) {
            int i = 1;
            while (i < t.size() && (t.get(i).is("TABLE") || t.get(i).is("ONLY"))) {
                i++;
            }
            return Optional.of(new DestructiveStatement(Kind.TRUNCATE, nameList(t, i), cascade));
        }
        if (t.get(0).is("DELETE") && t.size() > 2 && t.get(1).is("FROM") && !hasTopLevel(t, "WHERE")) {
            int[] pos = {2};
            if (t.get(2).is("ONLY")) {
                pos[0]++;
            }
            return Optional.ofNullable(name(t, pos)).map(n -> new DestructiveStatement(Kind.DELETE_WITHOUT_WHERE, List.of(n), false));
        }
        if (t.get(0).is("UPDATE") && t.size() > 1 && !hasTopLevel(t, "WHERE")) {
            int[] pos = {1};
            if (t.get(1).is("ONLY")) {
                pos[0]++;
            }
            return Optional.ofNullable(name(t, pos)).map(n -> new DestructiveStatement(Kind.UPDATE_WITHOUT_WHERE, List.of(n), false));
        }
        if (t.get(0).is("ALTER") && t.size() > 3 && t.get(1).is("TABLE")) {
            int[] pos = {2};
            if (t.get(2).is("IF") && t.size() > 4 && t.get(3).is("EXISTS")) {
                pos[0] += 2;
            }
            if (t.get(pos[0]).is("ONLY")) {
                pos[0]++;
            }
            QualifiedName table = name(t, pos);
            for (int i = pos[0]; i + 1 < t.size(); i++) {
                if (t.get(i).is("DROP") && (t.get(i + 1).is("COLUMN") || t.get(i + 1).kind() != SqlTokenizer.Kind.SYMBOL
                        && !t.get(i + 1).is("CONSTRAINT") && !t.get(i + 1).is("DEFAULT") && !t.get(i + 1).is("NOT")
                        && !t.get(i + 1).is("IDENTITY") && !t.get(i + 1).is("EXPRESSION"))) {
                    return Optional.ofNullable(table).map(n -> new DestructiveStatement(Kind.ALTER_TABLE_DROP_COLUMN, List.of(n), cascade));
                }
            }
        }
        return Optional.empty();
    }

    /** WHERE at parenthesis depth 0 (a WHERE inside a sub-select does not restrict the DELETE). */
    private static boolean hasTopLevel(List<Token> t, String word) {
        int depth = 0;
        for (Token tok : t) {
            if (tok.kind() == SqlTokenizer.Kind.SYMBOL && tok.text().equals("(")) {
                depth++;
            } else if (tok.kind() == SqlTokenizer.Kind.SYMBOL && tok.text().equals(")")) {
                depth--;
            } else if (depth == 0 && tok.is(word)) {
                return true;
            }
        }
        return false;
    }

    private static List<QualifiedName> nameList(List<Token> t, int start) {
        List<QualifiedName> names = new ArrayList<>();
        int[] pos = {start};
        while (pos[0] < t.size()) {
            QualifiedName n = name(t, pos);
            if (n == null) {
                break;
            }
            names.add(n);
            if (pos[0] < t.size() && t.get(pos[0]).text().equals(",")) {
                pos[0]++;
            } else {
                break;
            }
        }
        return names;
    }

    /** Reads {@code ident[.ident]} at pos, advancing it; null if no identifier is there. */
    static QualifiedName name(List<Token> t, int[] pos) {
        String first = ident(t, pos[0]);
        if (first == null) {
            return null;
        }
        pos[0]++;
        if (pos[0] + 1 < t.size() && t.get(pos[0]).text().equals(".")) {
            String second = ident(t, pos[0] + 1);
            if (second != null) {
                pos[0] += 2;
                return new QualifiedName(first, second);
            }
        }
        return new QualifiedName(null, first);
    }

    private static String ident(List<Token> t, int i) {
        if (i >= t.size()) {
            return null;
        }
        Token tok = t.get(i);
        return switch (tok.kind()) {
            case WORD -> tok.text().toLowerCase(Locale.ROOT);
            case QUOTED_IDENT -> tok.text();
            default -> null;
        };
    }
}
