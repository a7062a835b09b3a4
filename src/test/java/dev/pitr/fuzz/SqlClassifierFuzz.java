package dev.pitr.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pitr.target.sql.DestructiveStatement;
import dev.pitr.target.sql.SqlClassifier;

/**
 * Whatever a log says a statement was, classifying it never throws and names only what is in it, and the
 * tokenless fast path never calls harmless what the full path finds destructive.
 */
class SqlClassifierFuzz {
    @FuzzTest(maxDuration = "10s")
    void anyStatement(String sql) {
        if (sql == null) {
            return;
        }
        if (SqlClassifier.plainlyHarmless(sql) && !SqlClassifier.classifyTokens(sql).isEmpty()) {
            throw new AssertionError("the fast path calls destructive SQL harmless: " + sql);
        }
        for (DestructiveStatement s : SqlClassifier.classify(sql)) {
            if (s.kind() == null) {
                throw new AssertionError("a classification without a kind for: " + sql);
            }
        }
    }
}
