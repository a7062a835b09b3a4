package dev.pitr.restore;

import dev.pitr.wal.Lsn;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The runbook's transitions with fake steps, in milliseconds: a crash at any step (the process killed, nothing
 * caught) leaves a journal that resume continues from, re-running only the interrupted step; a failed step is
 * journaled with its reason and runs again on resume. The real kill -9 tests (SeedScenarioIT) do the same with
 * servers.
 */
class RestoreRunnerTest {
    @TempDir
    Path dir;

    /** What kill -9 does to the runner: nothing after this line runs, nothing is caught. */
    static final class Killed extends Error {
    }

    final List<RestoreState> ran = new ArrayList<>();

    Map<RestoreState, Step> steps(RestoreState crashAt, boolean crash) {
        Map<RestoreState, Step> m = new EnumMap<>(RestoreState.class);
        for (RestoreState s : RestoreState.values()) {
            if (s.isStep()) {
                m.put(s, plan -> {
                    ran.add(s);
                    if (s == crashAt && crash) {
                        throw new Killed();
                    }
                    return s == RestoreState.VERIFY ? StepResult.recovered(new RestoreJournal.RecoveredPoint("0/3000100",
                            Instant.EPOCH, "paused", List.of())) : StepResult.bytes(s.ordinal());
                });
            }
        }
        return m;
    }

    static final CopyLifecycle COPY = new CopyLifecycle() {
        public void prepareStateDir(RestorePlan plan) {
            try {
                Files.createDirectories(plan.spool());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        public void checkResumable(RestorePlan plan, RestoreState next) {
        }

        public void resumeArchiving(RestorePlan plan) {
        }

        public void promote(RestorePlan plan) {
        }

        public void stopServer(RestorePlan plan) {
        }
    };

    RestorePlan plan() {
        Path pgdata = dir.resolve("data");
        return TestPlans.plan(new RecoveryTarget.Immediate(), "latest", pgdata, 5499, List.of("000000010000000000000003"), Map.of());
    }

    @Test
    void aCrashAtAnyStepResumesThereAndNeverRedoesAFinishedOne() {
        for (RestoreState crashAt : List.of(RestoreState.FETCH_BACKUP, RestoreState.PREFETCH_WAL, RestoreState.CONFIGURE,
                RestoreState.REPLAY, RestoreState.VERIFY)) {
            ran.clear();
            RestorePlan plan = plan();
            assertThatThrownBy(() -> new RestoreRunner(steps(crashAt, true), COPY, m -> { }).run(plan))
                    .isInstanceOf(Killed.class);
            RestoreJournal crashed = RestoreJournal.load(plan.stateDir());
            assertThat(crashed.state()).isEqualTo(crashAt);
            assertThat(crashed.steps().get(crashed.steps().size() - 1).outcome()).isEqualTo("running");

            List<RestoreState> before = new ArrayList<>(ran);
            RestoreJournal done = new RestoreRunner(steps(crashAt, false), COPY, m -> { }).resume(plan.stateDir());
            assertThat(done.state()).isEqualTo(RestoreState.READY);
            assertThat(done.recovered().replayLsn()).isEqualTo("0/3000100");
            List<RestoreState> after = ran.subList(before.size(), ran.size());
            assertThat(after.get(0)).as("resume starts with the interrupted step").isEqualTo(crashAt);
            assertThat(ran.stream().filter(s -> s.compareTo(crashAt) < 0).toList()).as("finished steps ran once")
                    .doesNotHaveDuplicates().hasSize(crashAt.ordinal()); // PREFLIGHT and every step up to the crash
            assertThat(done.completedBefore(crashAt)).isTrue();
            deleteTree(dir);
        }
    }

    @Test
    void aFailedStepIsJournaledWithItsReasonAndRunsAgainOnResume() {
        RestorePlan plan = plan();
        Map<RestoreState, Step> failing = steps(null, false);
        failing.put(RestoreState.REPLAY, p -> {
            throw PitrException.io("the archive is unreachable", null);
        });
        assertThatThrownBy(() -> new RestoreRunner(failing, COPY, m -> { }).run(plan)).hasMessageContaining("unreachable");
        RestoreJournal failed = RestoreJournal.load(plan.stateDir());
        assertThat(failed.state()).isEqualTo(RestoreState.FAILED);
        assertThat(failed.failedStep()).isEqualTo(RestoreState.REPLAY);
        assertThat(failed.error()).contains("unreachable");
        ran.clear();
        assertThat(new RestoreRunner(steps(null, false), COPY, m -> { }).resume(plan.stateDir()).state())
                .isEqualTo(RestoreState.READY);
        assertThat(ran).containsExactly(RestoreState.REPLAY, RestoreState.VERIFY);
        assertThatThrownBy(() -> new RestoreRunner(Map.of(), COPY, m -> { })).hasMessageContaining("no step for");
    }

    @Test
    void aNewRestoreStartsOverOneThatIsOverButNotOverOneInUse() throws Exception {
        RestorePlan plan = plan();
        RestoreRunner runner = new RestoreRunner(steps(null, false), COPY, m -> { });
        assertThat(runner.run(plan).state()).isEqualTo(RestoreState.READY);
        assertThatThrownBy(() -> runner.run(plan)).as("a paused copy is in use").isInstanceOf(PitrException.class)
                .hasMessageContaining("a restore is already recorded");
        assertThat(runner.promote(plan.stateDir()).state()).isEqualTo(RestoreState.PROMOTED);
        assertThat(runner.run(plan).state()).as("the next incident, after a promoted restore").isEqualTo(RestoreState.READY);
        try (var kept = Files.list(plan.stateDir())) {
            assertThat(kept.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("journal-")))
                    .as("the earlier journal is kept as history").hasSize(1);
        }
        runner.abort(plan.stateDir());
        assertThat(runner.run(plan).state()).as("after an abort").isEqualTo(RestoreState.READY);
    }

    @Test
    void removeDeletesACopyAndItsStateButNeverTheClustersOwnData() throws Exception {
        RestorePlan plan = plan();
        RestoreRunner runner = new RestoreRunner(steps(null, false), COPY, m -> { });
        runner.run(plan);
        Files.createDirectories(plan.pgdata());
        Files.writeString(plan.pgdata().resolve("PG_VERSION"), "15");
        assertThatThrownBy(() -> runner.remove(plan.stateDir(), Optional.of(plan.pgdata())))
                .as("the configured cluster's pgdata").isInstanceOfSatisfying(PitrException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.REFUSED))
                .hasMessageContaining("cluster's own data directory");
        assertThat(plan.pgdata().resolve("PG_VERSION")).as("nothing touched").exists();
        assertThat(RestoreJournal.load(plan.stateDir()).state()).isEqualTo(RestoreState.READY);

        RestoreJournal removed = runner.remove(plan.stateDir(), Optional.of(dir.resolve("production")));
        assertThat(removed.state()).isEqualTo(RestoreState.ABORTED);
        assertThat(plan.pgdata()).doesNotExist();
        assertThat(plan.stateDir()).doesNotExist();
        assertThat(runner.run(plan).state()).as("a new restore into the same place").isEqualTo(RestoreState.READY);
    }

    /** Each crash of the loop gets a fresh state directory. */
    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
