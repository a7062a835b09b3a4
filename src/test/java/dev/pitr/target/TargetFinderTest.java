package dev.pitr.target;

import dev.pitr.target.log.LogEntry;
import dev.pitr.target.log.LogMessages;
import dev.pitr.target.log.LogTime;
import dev.pitr.target.log.Severity;
import dev.pitr.target.log.LogZone;
import dev.pitr.target.log.ScanStats;
import dev.pitr.target.sql.DestructiveStatement;

import dev.pitr.restore.RecoveryTarget;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.PinnedTransaction;
import dev.pitr.target.wal.SuspectLocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class TargetFinderTest {
    @TempDir
    Path dir;

    private TargetFinder.Result find(String prefix, String table, String... lines) throws Exception {
        Path log = Files.writeString(dir.resolve("pg.log"), String.join("\n", lines) + "\n");
        return new TargetFinder().find(new TargetQuery(List.of(log), Optional.empty(), Optional.of(prefix), "test",
                LogZone.of(Optional.empty()), Optional.ofNullable(table).map(DestructiveStatement.QualifiedName::parse),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                java.util.OptionalInt.empty()));
    }

    @Test
    void ranksTheNamedTableFirstAndRecommendsAnExclusiveTimeTarget() throws Exception {
        TargetFinder.Result r = find("%m [%p] %q%u@%d ", "temp_migration_backup",
                "2026-03-25 14:10:00.000 UTC [1] app@staging LOG:  statement: DROP TABLE temp_migration_backup",
                "2026-03-25 14:14:02.345 UTC [2] app@shop LOG:  statement: DROP TABLE public.temp_migration_backup",
                "2026-03-25 14:14:05.000 UTC [3] app@shop LOG:  statement: DROP TABLE other_table");
        assertThat(r.candidates()).hasSize(2);
        assertThat(r.candidates().get(0).database()).as("newest of equal rank first").isEqualTo("shop");
        Recommendation rec = r.recommendation().orElseThrow();
        assertThat(rec.kind()).isEqualTo(Recommendation.Kind.TIME);
        assertThat(rec.time()).isEqualTo(Instant.parse("2026-03-25T14:14:02.345Z"));
        assertThat(rec.settings()).containsEntry("recovery_target_inclusive", "off")
                .containsEntry("recovery_target_time", "2026-03-25 14:14:02.345000+00:00");
        assertThat(rec.precisionWindow()).contains("1 ms");
    }

    @Test
    void aSeparatorInsideTheApplicationNameDoesNotHideTheStatement() throws Exception {
        // the message is judged before the prefix regex only when its head line has one ":  ": here the
        // application name holds one that a severity precedes, and only the regex splits the line right
        TargetFinder.Result r = find("%m [%p] %a@%d ", "orders",
                "2026-03-25 14:14:00.000 UTC [7] psql@shop LOG:  statement: UPDATE orders SET paid = true WHERE id = 1",
                "2026-03-25 14:14:02.000 UTC [9] LOG:  x@shop LOG:  statement: UPDATE orders SET paid = false");
        assertThat(r.candidates()).extracting(c -> c.kind().name() + "@" + c.pid())
                .containsExactly("UPDATE_WITHOUT_WHERE@9");
        assertThat(r.candidates().get(0).time()).isEqualTo(Instant.parse("2026-03-25T14:14:02Z"));
    }

    @Test
    void aStatementThatFailedIsNotTheMistake() throws Exception {
        TargetFinder.Result r = find("%m [%p] ", null,
                "2026-03-25 14:14:00.000 UTC [7] LOG:  statement: TRUNCATE orders",
                "2026-03-25 14:14:01.000 UTC [8] LOG:  statement: DROP TABLE missing",
                "2026-03-25 14:14:01.001 UTC [8] ERROR:  table \"missing\" does not exist",
                "2026-03-25 14:14:01.001 UTC [8] STATEMENT:  DROP TABLE missing");
        assertThat(r.candidates().get(0).kind()).isEqualTo(DestructiveStatement.Kind.TRUNCATE);
        assertThat(r.candidates().get(1).failed()).isTrue();
        assertThat(r.recommendation().orElseThrow().time()).isEqualTo(Instant.parse("2026-03-25T14:14:00Z"));
    }

    @Test
    void aDeleteRolledBackByItsOwnQueryStringNeverOutranksTheCommittedOne() throws Exception {
        TargetFinder.Result r = find("%m [%p] ", "carts",
                "2026-03-25 14:14:00.000 UTC [7] LOG:  statement: DELETE FROM carts",
                "2026-03-25 14:15:00.000 UTC [8] LOG:  statement: BEGIN; DELETE FROM carts; ROLLBACK;",
                "2026-03-25 14:16:00.000 UTC [9] LOG:  statement: SELECT 1; DELETE FROM carts; ROLLBACK; DELETE FROM carts");
        assertThat(r.candidates()).extracting(c -> c.pid() + ":" + c.outcome())
                .containsExactly("9:MAY_HAVE_COMMITTED", "7:MAY_HAVE_COMMITTED", "8:ROLLED_BACK_IN_QUERY");
        assertThat(r.candidates().get(0).place().statement()).as("the DELETE after the ROLLBACK").isEqualTo(3);
        assertThat(r.recommendation().orElseThrow().time()).isEqualTo(Instant.parse("2026-03-25T14:16:00Z"));
    }

    @Test
    void aTransactionOpenedInOneStringAndRolledBackByTheNextIsSetAside() throws Exception {
        TargetFinder.Result r = find("%m [%p] ", "carts",
                "2026-03-25 14:14:00.000 UTC [7] LOG:  statement: DELETE FROM carts",
                "2026-03-25 14:15:00.000 UTC [8] LOG:  statement: BEGIN; DELETE FROM carts",
                "2026-03-25 14:15:01.000 UTC [8] LOG:  statement: ROLLBACK",
                "2026-03-25 14:16:00.000 UTC [9] LOG:  statement: DELETE FROM carts; COMMIT",
                "2026-03-25 14:16:01.000 UTC [9] LOG:  statement: BEGIN",
                "2026-03-25 14:16:02.000 UTC [9] LOG:  statement: ROLLBACK");
        assertThat(r.candidates()).extracting(c -> c.pid() + ":" + c.outcome())
                .containsExactly("9:MAY_HAVE_COMMITTED", "7:MAY_HAVE_COMMITTED", "8:ROLLED_BACK_BY_SESSION");
    }

    @Test
    void aKnownXidGivesAnExactTargetAndSecondsPrecisionIsReported() throws Exception {
        TargetFinder.Result withXid = find("%m [%p] xid=%x ", "t",
                "2026-03-25 14:14:00.000 UTC [7] xid=745 LOG:  statement: DROP TABLE t");
        assertThat(withXid.recommendation().orElseThrow().settings()).containsEntry("recovery_target_xid", "745");
        TargetFinder.Result seconds = find("%t [%p] xid=%x ", "t",
                "2026-03-25 14:14:00 UTC [7] xid=0 LOG:  duration: 3.2 ms  statement: DROP TABLE t");
        Recommendation rec = seconds.recommendation().orElseThrow();
        assertThat(rec.kind()).as("xid 0 means not assigned yet").isEqualTo(Recommendation.Kind.TIME);
        assertThat(rec.precisionWindow()).contains("1 s");
    }

    @Test
    void nothingMatchingMeansNoRecommendation() throws Exception {
        TargetFinder.Result r = find("%m [%p] ", "t", "2026-03-25 14:14:00.000 UTC [7] LOG:  statement: SELECT 1");
        assertThat(r.candidates()).isEmpty();
        assertThat(r.recommendation()).isEmpty();
    }

    @Test
    void fileDroppingStatementsLoggedJustBeforeAreCountedForTheWalAlignment() throws Exception {
        TargetFinder.Result r = find("%m [%p] %q%u@%d ", "temp_migration_backup",
                "2026-03-25 14:10:00.000 UTC [1] app@staging LOG:  statement: DROP TABLE temp_migration_backup",
                "2026-03-25 14:14:02.340 UTC [2] app@shop LOG:  execute <unnamed>: CREATE TABLE other_table(id int)",
                "2026-03-25 14:14:02.344 UTC [2] app@shop LOG:  execute <unnamed>: DROP TABLE other_table",
                "2026-03-25 14:14:02.345 UTC [2] app@shop LOG:  execute <unnamed>: DROP TABLE temp_migration_backup");
        assertThat(r.relationDroppers()).hasSize(3);
        assertThat(TargetFinder.droppersBefore(r.candidates().get(0), r.relationDroppers())).isEqualTo(1);
    }

    @Test
    void aDeleteWithoutItsTablesFileIsNeverPinnedAndSaysWhy() throws Exception {
        TargetFinder.Result r = find("%m [%p] %q%u@%d ", "orders",
                "2026-03-25 14:14:02.345 UTC [2] app@shop LOG:  statement: DELETE FROM orders");
        // no server to name the table's file, and a locator that cannot be used: the WAL must not even be asked
        TargetFinder.Result refined = new WalRefinement(new SuspectLocator(null, null, n -> { }),
                Optional.empty(), Optional.empty(), StopBefore.COMMIT).refine(r, Optional.empty());
        Recommendation rec = refined.recommendation().orElseThrow();
        assertThat(rec.kind()).isEqualTo(Recommendation.Kind.TIME);
        assertThat(rec.notPinned()).hasValueSatisfying(why -> assertThat(why).contains("table's file")
                .contains("no live server is configured"));
        assertThat(rec.reason()).contains("the WAL could not pin the transaction");
        assertThat(WalRefinement.touch(DestructiveStatement.Kind.TRUNCATE)).contains(SuspectLocator.Touch.TRUNCATE);
        assertThat(WalRefinement.touch(DestructiveStatement.Kind.DROP_VIEW)).isEmpty();
    }

    @Test
    void theDefaultStopsBeforeThePinnedCommitAndFirstRecordIsAChoiceThatCountsItsLoss() {
        Candidate c = candidate("DROP TABLE t", DestructiveStatement.Kind.DROP_TABLE, Instant.parse("2026-03-25T14:14:02Z"),
                Instant.parse("2026-03-25T14:14:02Z"), new Basis.Unstated());
        var t = new PinnedTransaction(731, List.of(), Lsn.parse("0/3000100"), true,
                Lsn.parse("0/3400000"), Instant.parse("2026-03-25T14:14:14Z"), "COMMIT ...", 54,
                Optional.of(Instant.parse("2026-03-25T14:14:02.1Z")), Optional.of(Instant.parse("2026-03-25T14:14:13.9Z")),
                true, "test", List.of("000000010000000000000003"));
        Recommendation commit = WalRefinement.pinned(c, t, StopBefore.COMMIT);
        assertThat(commit.kind()).isEqualTo(Recommendation.Kind.XID);
        assertThat(commit.settings()).containsEntry("recovery_target_xid", "731").containsEntry("recovery_target_inclusive", "off");
        assertThat(commit.precisionWindow()).contains("no other commit is lost").contains("would lose 54 other commit(s)")
                .contains("ends recovery");
        Recommendation first = WalRefinement.pinned(c, t, StopBefore.FIRST_RECORD);
        assertThat(first.kind()).isEqualTo(Recommendation.Kind.LSN);
        assertThat(first.settings()).containsEntry("recovery_target_lsn", "0/3000100");
        assertThat(first.precisionWindow()).contains("other commits lost in between: 54");
        assertThat(TargetFromLog.choose(new TargetFinder.Result(List.of(c), Optional.of(commit), new ScanStats(), List.of(),
                Optional.empty(), "UTC", List.of())).target()).isEqualTo(new RecoveryTarget.Xid(731));
    }

    @Test
    void theStartOfADurationLineIsItsTimeMinusTheDurationRoundedDown() {
        LogEntry e = new LogEntry(Instant.parse("2026-12-01T10:00:00.010Z"), "t", LogTime.Precision.MILLIS, null, null,
                1, null, null, Severity.LOG, "duration: 8.854 ms  statement: DELETE FROM t", null, "f", 1);
        var st = LogMessages.standard().statement(e.message()).orElseThrow();
        assertThat(TargetFinder.startBound(e, st)).isEqualTo(Instant.parse("2026-12-01T10:00:00.001Z"));
        LogEntry seconds = new LogEntry(Instant.parse("2026-12-01T10:00:05Z"), "t", LogTime.Precision.SECONDS, null, null,
                1, null, null, Severity.LOG, "duration: 0.500 ms  statement: DELETE FROM t", null, "f", 1);
        assertThat(TargetFinder.startBound(seconds, st)).isEqualTo(Instant.parse("2026-12-01T10:00:04Z"));
        LogEntry received = new LogEntry(Instant.parse("2026-12-01T10:00:05.300Z"), "t", LogTime.Precision.MICROS, null,
                null, 1, null, null, Severity.LOG, "statement: DELETE FROM t", null, "f", 1, LogEntry.Clock.RECEIVER, -1);
        assertThat(TargetFinder.startBound(received, LogMessages.standard().statement(received.message()).orElseThrow()))
                .as("a receiver's stamp has a second of margin").isEqualTo(Instant.parse("2026-12-01T10:00:04.300Z"));
    }

    @Test
    void theRecommendationsPrecisionFollowsTheBasisFactsAndItsJsonIsTheSentence() throws Exception {
        Basis ended = new Basis.Logged("2026-03-25 14:14:02.120 UTC", LogMessages.Logged.AFTER_DURATION,
                Optional.of(java.time.Duration.ofMillis(8)), true, Optional.empty());
        Candidate c = candidate("DELETE FROM t", DestructiveStatement.Kind.DELETE_WITHOUT_WHERE,
                Instant.parse("2026-03-25T14:14:01.112Z"), Instant.parse("2026-03-25T14:14:02.120Z"), ended);
        Recommendation r = TargetFinder.recommend(c);
        assertThat(r.precisionWindow()).startsWith("up to 1 ms + 1 ms (the duration, rounded down) + 1 s:");
        assertThat(r.reason()).startsWith("logged at 2026-03-25 14:14:02.120 UTC when it ended, after running 8.0 ms")
                .contains("the log receiver's");
        Candidate started = candidate("DELETE FROM t", DestructiveStatement.Kind.DELETE_WITHOUT_WHERE, c.time(), c.loggedAt(),
                new Basis.Logged("2026-03-25 14:14:01.112 UTC", LogMessages.Logged.AT_START, Optional.empty(), false,
                        Optional.of(DestructiveStatement.Kind.DELETE_WITHOUT_WHERE)));
        assertThat(TargetFinder.recommend(started).precisionWindow()).startsWith("up to 1 ms:");
        assertThat(dev.pitr.core.Json.mapper().valueToTree(started).get("basis").asText())
                .isEqualTo(started.basis().describe()).contains("inside a DO block");
    }

    /** A candidate of the database shop, user app, pid 2, on table t, at millisecond precision, 150 points. */
    private static Candidate candidate(String sql, DestructiveStatement.Kind kind, Instant time, Instant loggedAt, Basis basis) {
        return new Candidate(new Candidate.What(sql, kind, List.of("t")), new Candidate.When(time, "t", LogTime.Precision.MILLIS,
                loggedAt, basis), new Candidate.Who("shop", "app", 2, null, null), Candidate.Outcome.MAY_HAVE_COMMITTED, 150,
                new Candidate.Place("pg.log:1", 0, 0));
    }
}
