package dev.pitr.target.sql;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class TransactionControlTest {
    private static boolean undone(String sql, int index) {
        return TransactionControl.undoneWithin(TransactionControl.ofEach(SqlTokenizer.statements(sql)), index);
    }

    @Test
    void aRollbackLaterInTheSameStringUndoesTheStatementExplicitOrImplicit() {
        assertThat(undone("BEGIN; DELETE FROM carts; ROLLBACK;", 1)).isTrue();
        assertThat(undone("begin transaction; delete from carts; abort work", 1)).isTrue();
        assertThat(undone("DELETE FROM carts; ROLLBACK", 0)).as("an implicit transaction block is rolled back too").isTrue();
    }

    @Test
    void aCommitFirstOrNoControlLeavesItStanding() {
        assertThat(undone("BEGIN; DELETE FROM carts; COMMIT; ROLLBACK;", 1)).isFalse();
        assertThat(undone("BEGIN; DELETE FROM carts; END; BEGIN; ROLLBACK", 1)).isFalse();
        assertThat(undone("BEGIN; DELETE FROM carts", 1)).as("the session decides").isFalse();
        assertThat(undone("DELETE FROM carts; SELECT 1", 0)).isFalse();
        assertThat(undone("ROLLBACK; DELETE FROM carts", 1)).as("a rollback before it is not its own").isFalse();
        assertThat(undone("BEGIN; DELETE FROM carts; PREPARE TRANSACTION 'x'; ROLLBACK", 1)).isFalse();
    }

    @Test
    void rollbackToASavepointSetBeforeItUndoesItAndOnlyThen() {
        assertThat(undone("BEGIN; SAVEPOINT a; DELETE FROM carts; ROLLBACK TO SAVEPOINT a; COMMIT", 2)).isTrue();
        assertThat(undone("BEGIN; SAVEPOINT \"A\"; DELETE FROM carts; ROLLBACK TO \"A\"; COMMIT", 2)).isTrue();
        assertThat(undone("BEGIN; DELETE FROM carts; SAVEPOINT a; ROLLBACK TO a; COMMIT", 1)).isFalse();
        assertThat(undone("BEGIN; SAVEPOINT a; SAVEPOINT b; RELEASE a; DELETE FROM carts; ROLLBACK TO b; COMMIT", 4))
                .as("releasing a releases b too").isFalse();
        assertThat(undone("BEGIN; SAVEPOINT a; COMMIT; DELETE FROM carts; ROLLBACK TO a", 3))
                .as("the savepoint ended with its transaction").isFalse();
    }

    @Test
    void whatIsAndIsNotControl() {
        assertThat(TransactionControl.of(SqlTokenizer.statements("COMMIT PREPARED 'x'").get(0))).isEmpty();
        assertThat(TransactionControl.of(SqlTokenizer.statements("START TRANSACTION ISOLATION LEVEL SERIALIZABLE").get(0))
                .map(TransactionControl::kind)).contains(TransactionControl.Kind.BEGIN);
        assertThat(TransactionControl.of(SqlTokenizer.statements("ROLLBACK WORK TO SAVEPOINT s1").get(0)))
                .contains(new TransactionControl(TransactionControl.Kind.ROLLBACK_TO, Optional.of("s1")));
        assertThat(TransactionControl.of(List.of())).isEmpty();
    }
}
