package dev.pitr.target.sql;

import java.util.List;

/**
 * A statement that destroys data, with the objects it names (schema-qualified where the SQL said so);
 * {@code inBlock}: it runs inside a DO block, written there or in a string the block EXECUTEs.
 */
public record DestructiveStatement(Kind kind, List<QualifiedName> objects, boolean cascade, boolean inBlock) {
    public DestructiveStatement(Kind kind, List<QualifiedName> objects, boolean cascade) {
        this(kind, objects, cascade, false);
    }

    DestructiveStatement insideBlock() {
        return new DestructiveStatement(kind, objects, cascade, true);
    }

    public enum Kind {
        DROP_DATABASE(60), DROP_OWNED(58), DROP_SCHEMA(55), DROP_TABLE(50), TRUNCATE(45), DELETE_WITHOUT_WHERE(40),
        UPDATE_WITHOUT_WHERE(35), ALTER_TABLE_DROP_COLUMN(30), DROP_MATERIALIZED_VIEW(25), DROP_VIEW(20),
        DROP_FUNCTION(15), DROP_INDEX(10),
        /** Not destructive: a statement that matched --statement. The classifier never says it. */
        MATCH(0);

        private final int weight;

        Kind(int weight) {
            this.weight = weight;
        }

        public int weight() {
            return weight;
        }
    }

    /** schema.name as PostgreSQL resolves it: unquoted parts folded to lower case, quoted kept. */
    public record QualifiedName(String schema, String name) {
        public boolean matches(QualifiedName wanted) {
            return name.equals(wanted.name) && (wanted.schema == null || schema == null || schema.equals(wanted.schema));
        }

        @Override
        public String toString() {
            return schema == null ? name : schema + "." + name;
        }

        /** Parses a user-given name like {@code public.temp_migration_backup} or {@code "Odd Name"}. */
        public static QualifiedName parse(String text) {
            List<List<SqlTokenizer.Token>> st = SqlTokenizer.statements(text);
            List<SqlTokenizer.Token> tokens = st.isEmpty() ? List.of() : st.get(0);
            int[] pos = {0};
            QualifiedName q = SqlClassifier.name(tokens, pos);
            return q == null ? new QualifiedName(null, text) : q;
        }
    }
}
