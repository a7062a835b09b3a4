package dev.pitr.target.sql;

import dev.pitr.target.sql.DestructiveStatement.Kind;
import dev.pitr.target.sql.DestructiveStatement.QualifiedName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SqlClassifierTest {
    private static List<DestructiveStatement> c(String sql) {
        return SqlClassifier.classify(sql);
    }

    @Test
    void lookIntoDoBlocksAndTheStringsTheyExecute() {
        assertThat(c("DO $$ BEGIN EXECUTE 'DROP TABLE ledger'; END $$;")).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Kind.DROP_TABLE);
            assertThat(d.objects()).containsExactly(new QualifiedName(null, "ledger"));
            assertThat(d.inBlock()).isTrue();
        });
        assertThat(c("DO LANGUAGE plpgsql $body$ BEGIN TRUNCATE carts; END $body$"))
                .extracting(DestructiveStatement::kind).containsExactly(Kind.TRUNCATE);
        assertThat(c("DO $x$ DECLARE n int; BEGIN IF true THEN DELETE FROM carts; END IF; END $x$"))
                .extracting(DestructiveStatement::kind).containsExactly(Kind.DELETE_WITHOUT_WHERE);
        assertThat(c("DO 'BEGIN EXECUTE ''DROP TABLE \"Odd Name\"''; END'")).singleElement()
                .satisfies(d -> assertThat(d.objects()).containsExactly(new QualifiedName(null, "Odd Name")));
        assertThat(c("DO $$ BEGIN EXECUTE format('TRUNCATE %I', 'x'); EXECUTE format('DROP TABLE orders_%s', 2); END $$"))
                .extracting(DestructiveStatement::kind).containsExactly(Kind.TRUNCATE, Kind.DROP_TABLE);
        assertThat(c("DO $$ BEGIN RAISE NOTICE 'DROP TABLE ledger'; DELETE FROM t WHERE id = 1; END $$")).isEmpty();
        assertThat(c("DROP TABLE ledger")).singleElement().satisfies(d -> assertThat(d.inBlock()).isFalse());
    }

    @Test
    void recognisesEveryDestructiveKind() {
        assertThat(c("DROP TABLE IF EXISTS public.temp_migration_backup CASCADE")).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Kind.DROP_TABLE);
            assertThat(d.objects()).containsExactly(new QualifiedName("public", "temp_migration_backup"));
            assertThat(d.cascade()).isTrue();
        });
        assertThat(c("drop schema app")).extracting(DestructiveStatement::kind).containsExactly(Kind.DROP_SCHEMA);
        assertThat(c("DROP DATABASE shop")).extracting(DestructiveStatement::kind).containsExactly(Kind.DROP_DATABASE);
        assertThat(c("DROP INDEX CONCURRENTLY i1")).extracting(DestructiveStatement::kind).containsExactly(Kind.DROP_INDEX);
        assertThat(c("TRUNCATE TABLE ONLY a, b")).singleElement().satisfies(d ->
                assertThat(d.objects()).extracting(QualifiedName::name).containsExactly("a", "b"));
        assertThat(c("DELETE FROM users")).extracting(DestructiveStatement::kind).containsExactly(Kind.DELETE_WITHOUT_WHERE);
        assertThat(c("UPDATE users SET admin = true")).extracting(DestructiveStatement::kind).containsExactly(Kind.UPDATE_WITHOUT_WHERE);
        assertThat(c("ALTER TABLE users DROP COLUMN email")).extracting(DestructiveStatement::kind)
                .containsExactly(Kind.ALTER_TABLE_DROP_COLUMN);
    }

    @Test
    void viewsFunctionsOwnedObjectsAndDataModifyingCtes() {
        assertThat(c("DROP VIEW IF EXISTS v_orders")).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Kind.DROP_VIEW);
            assertThat(d.objects()).extracting(QualifiedName::name).containsExactly("v_orders");
        });
        assertThat(c("drop materialized view report.daily")).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Kind.DROP_MATERIALIZED_VIEW);
            assertThat(d.objects()).containsExactly(new QualifiedName("report", "daily"));
        });
        assertThat(c("DROP FUNCTION total(int)")).extracting(DestructiveStatement::kind).containsExactly(Kind.DROP_FUNCTION);
        assertThat(c("DROP PROCEDURE cleanup")).extracting(DestructiveStatement::kind).containsExactly(Kind.DROP_FUNCTION);
        assertThat(c("DROP OWNED BY app CASCADE")).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Kind.DROP_OWNED);
            assertThat(d.objects()).extracting(QualifiedName::name).containsExactly("app");
        });
        assertThat(c("WITH gone AS (DELETE FROM orders RETURNING *) INSERT INTO archive SELECT * FROM gone"))
                .singleElement().satisfies(d -> {
                    assertThat(d.kind()).isEqualTo(Kind.DELETE_WITHOUT_WHERE);
                    assertThat(d.objects()).extracting(QualifiedName::name).containsExactly("orders");
                });
        assertThat(c("WITH x AS MATERIALIZED (SELECT 1) UPDATE accounts SET balance = 0"))
                .extracting(DestructiveStatement::kind).containsExactly(Kind.UPDATE_WITHOUT_WHERE);
        assertThat(c("WITH d AS (DELETE FROM orders WHERE id = 1 RETURNING *) SELECT * FROM d")).isEmpty();
        assertThat(c("WITH RECURSIVE t(n) AS (SELECT 1 UNION SELECT n + 1 FROM t WHERE n < 5) SELECT * FROM t")).isEmpty();
    }

    @Test
    void isNotFooledByWhereClausesCommentsStringsAndDollarQuotes() {
        assertThat(c("DELETE FROM users WHERE id = 1")).isEmpty();
        assertThat(c("UPDATE t SET a = 1 WHERE b")).isEmpty();
        assertThat(c("DELETE FROM t USING (SELECT 1 WHERE true) s")).as("WHERE inside a sub-select")
                .extracting(DestructiveStatement::kind).containsExactly(Kind.DELETE_WITHOUT_WHERE);
        assertThat(c("SELECT 'DROP TABLE users'")).isEmpty();
        assertThat(c("-- DROP TABLE users\nSELECT 1")).isEmpty();
        assertThat(c("/* DROP /* nested */ TABLE users */ SELECT 1")).isEmpty();
        assertThat(c("SELECT $body$ DROP TABLE users; $body$")).isEmpty();
        assertThat(c("CREATE FUNCTION f() RETURNS void AS $$ DELETE FROM t $$ LANGUAGE sql")).isEmpty();
        assertThat(c("ALTER TABLE t DROP CONSTRAINT c")).isEmpty();
        assertThat(c("SELECT 1; DROP TABLE a; SELECT 2")).extracting(DestructiveStatement::kind).containsExactly(Kind.DROP_TABLE);
    }

    @Test
    void foldsUnquotedNamesAndKeepsQuotedOnes() {
        assertThat(c("DROP TABLE \"Odd Name\", Plain")).singleElement().satisfies(d ->
                assertThat(d.objects()).containsExactly(new QualifiedName(null, "Odd Name"), new QualifiedName(null, "plain")));
        assertThat(QualifiedName.parse("PUBLIC.Temp_Migration_Backup"))
                .isEqualTo(new QualifiedName("public", "temp_migration_backup"));
        assertThat(new QualifiedName("app", "t").matches(QualifiedName.parse("t"))).isTrue();
        assertThat(new QualifiedName("app", "t").matches(QualifiedName.parse("public.t"))).isFalse();
        assertThat(new QualifiedName(null, "t").matches(QualifiedName.parse("\"T\""))).isFalse();
    }

    @Test
    void unterminatedInputNeverThrows() {
        for (String s : new String[]{"'open", "\"open", "$x$ open", "/* open", "DROP", "DROP TABLE", "", ";;;", "E'\\'"}) {
            SqlClassifier.classify(s);
        }
    }

    @Test
    void theTokenlessFastPathAgreesWithTheFullPath() {
        String[] harmless = {"UPDATE orders SET status = 'paid' WHERE id = 5", "delete from orders where id in (1, 2)",
                "SELECT * FROM orders", "INSERT INTO orders VALUES (1)", "BEGIN; UPDATE t SET a = 1 WHERE b = 2; COMMIT",
                "UPDATE t SET a = (SELECT x FROM y WHERE z) WHERE id = 1", "/* DROP TABLE t */ SELECT 1"};
        String[] destructive = {"UPDATE orders SET status = 'paid'", "UPDATE t SET note = 'x WHERE y'",
                "UPDATE t SET a = (SELECT x FROM y WHERE z)", "DELETE FROM t -- WHERE id = 1",
                "SELECT 1; DELETE FROM t", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
                "UPDATE t SET \"where\" = 1", "DROP TABLE t", "truncate t", "ALTER TABLE t DROP COLUMN c",
                "UPDATE t SET a = $$ WHERE $$", "DELETE FROM t; UPDATE u SET a = 1 WHERE b = 2"};
        for (String sql : harmless) {
            assertThat(SqlClassifier.plainlyHarmless(sql)).as(sql).isTrue();
            assertThat(SqlClassifier.classifyTokens(sql)).as(sql).isEmpty();
        }
        for (String sql : destructive) {
            assertThat(SqlClassifier.plainlyHarmless(sql)).as(sql).isFalse();
            assertThat(SqlClassifier.classify(sql)).as(sql).isNotEmpty().isEqualTo(SqlClassifier.classifyTokens(sql));
        }
    }
}
