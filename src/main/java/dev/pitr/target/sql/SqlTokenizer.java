package dev.pitr.target.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits SQL into tokens the way PostgreSQL's lexer does for what matters here: comments ({@code --},
 * nested {@code /* *\/}), string literals ({@code '...'}, {@code E'...'}), quoted identifiers, dollar quotes
 * ({@code $tag$...$tag$}) and top-level semicolons. Never throws: unterminated input ends the last token.
 */
public final class SqlTokenizer {
    /** A token: a bare word (upper-cased in {@code upper}), a quoted identifier, a literal, or a symbol. */
    public record Token(Kind kind, String text) {
        public String upper() {
            return text.toUpperCase(java.util.Locale.ROOT);
        }

        /** This bare word is {@code word} (an upper-case keyword), in any case: compared without copying it. */
        public boolean is(String word) {
            return kind == Kind.WORD && text.length() == word.length() && text.equalsIgnoreCase(word);
        }
    }

    public enum Kind { WORD, QUOTED_IDENT, LITERAL, SYMBOL }

    /** Single-character symbol texts, made once. */
    private static final String[] SYMBOLS = new String[128];

    static {
        for (char c = 0; c < 128; c++) {
            SYMBOLS[c] = String.valueOf(c);
        }
    }

    private SqlTokenizer() {
    }

    /** What the lexer finds, as ranges of the text: no token is made unless the receiver makes it. */
    interface Sink {
        /** A token at {@code [start, end)}; for a quoted identifier the range is inside the quotes. */
        void token(Kind kind, int start, int end);

        /** A top-level semicolon or the end of the text. */
        void endOfStatement();
    }

    /** The statements in {@code sql}, each as its list of tokens (empty statements dropped). */
    public static List<List<Token>> statements(String sql) {
        List<List<Token>> out = new ArrayList<>();
        scan(sql, new Sink() {
            private List<Token> current = new ArrayList<>();

            @Override
            public void token(Kind kind, int start, int end) {
                String text = switch (kind) {
                    case QUOTED_IDENT -> sql.substring(start, end).replace("\"\"", "\"");
                    case SYMBOL -> sql.charAt(start) < SYMBOLS.length ? SYMBOLS[sql.charAt(start)] : sql.substring(start, end);
                    default -> sql.substring(start, end);
                };
                current.add(new Token(kind, text));
            }

            @Override
            public void endOfStatement() {
                if (!current.isEmpty()) {
                    out.add(current);
                    current = new ArrayList<>();
                }
            }
        });
        return out;
    }

    /** Lexes {@code sql} into {@code sink}. */
    static void scan(String sql, Sink sink) {
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                while (i < n && sql.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int depth = 1;
                i += 2;
                while (i < n && depth > 0) {
                    if (sql.startsWith("/*", i)) {
                        depth++;
                        i += 2;
                    } else if (sql.startsWith("*/", i)) {
                        depth--;
                        i += 2;
                    } else {
                        i++;
                    }
                }
            } else if (c == '\'' || ((c == 'E' || c == 'e') && i + 1 < n && sql.charAt(i + 1) == '\'')) {
                boolean escapes = c != '\'';
                int start = i;
                i = skipQuoted(sql, escapes ? i + 2 : i + 1, '\'', escapes);
                sink.token(Kind.LITERAL, start, Math.min(i, n));
            } else if (c == '"') {
                int start = i + 1;
                i = skipQuoted(sql, i + 1, '"', false);
                sink.token(Kind.QUOTED_IDENT, start, Math.max(start, i - 1));
            } else if (c == '$' && dollarTagEnd(sql, i) > 0) {
                int tagEnd = dollarTagEnd(sql, i);
                String tag = sql.substring(i, tagEnd);
                int close = sql.indexOf(tag, tagEnd);
                int end = close < 0 ? n : close + tag.length();
                sink.token(Kind.LITERAL, i, end);
                i = end;
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) == '$')) {
                    i++;
                }
                sink.token(Kind.WORD, start, i);
            } else if (c >= '0' && c <= '9') { // a number is one literal (a symbol per digit costs on every UPDATE)
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '.' || sql.charAt(i) == '_')) {
                    i++;
                }
                sink.token(Kind.LITERAL, start, i);
            } else if (c == ';') {
                sink.endOfStatement();
                i++;
            } else {
                sink.token(Kind.SYMBOL, i, i + 1);
                i++;
            }
        }
        sink.endOfStatement();
    }

    private static int skipQuoted(String sql, int i, char quote, boolean backslashEscapes) {
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && sql.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    /** End index (exclusive) of a dollar-quote opening tag at {@code i} ($$ or $name$), or -1. */
    private static int dollarTagEnd(String sql, int i) {
        int j = i + 1;
        while (j < sql.length() && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
            if (j == i + 1 && Character.isDigit(sql.charAt(j))) {
                return -1; // $1 is a parameter, not a dollar quote
            }
            j++;
        }
        return j < sql.length() && sql.charAt(j) == '$' ? j + 1 : -1;
    }
}
