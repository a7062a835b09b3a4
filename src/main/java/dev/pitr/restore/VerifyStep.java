package dev.pitr.restore;

import dev.pitr.verify.Check;
import dev.pitr.verify.CheckResult;
import dev.pitr.verify.Verifier;
import dev.pitr.core.PitrException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** VERIFY: the copy is at its target (paused, or ended on purpose) and the checks pass, in the application's database. */
final class VerifyStep implements Step {
    private final Consumer<String> progress;

    VerifyStep(Consumer<String> progress) {
        this.progress = progress;
    }

    @Override
    public StepResult run(RestorePlan plan) {
        CopyServer.ReplayStatus s = CopyServer.status(CopyServer.connection(plan)).orElseThrow(() -> PitrException.verification(
                "the restored server on port " + plan.port() + " does not accept connections"));
        List<String> problems = new ArrayList<>();
        boolean latest = plan.target() instanceof RecoveryTarget.Latest;
        Optional<String> ended = ReplayStep.readNote(plan);
        if (ended.isPresent() && s.inRecovery()) {
            problems.add("recovery was to end on the copy (" + ended.get() + ") but the server is still in recovery");
        } else if (ended.isEmpty() && !latest && !"paused".equals(s.pauseState())) {
            problems.add("server is not paused at the target (state: " + s.pauseState() + ")");
        }
        if (plan.target() instanceof RecoveryTarget.Time t && s.lastXact() != null) {
            boolean ok = plan.inclusive() ? !s.lastXact().isAfter(t.at()) : s.lastXact().isBefore(t.at());
            if (!ok) {
                problems.add("last replayed commit " + s.lastXact() + " is past the target " + t.at());
            }
        }
        List<CheckResult> checked = new Verifier(CopyServer.connection(plan)
                .withDatabase(plan.subject().database()))
                .run(plan.checks().stream().map(Check::queryIsTrue).toList());
        List<String> results = checked.stream().map(CheckResult::line).toList();
        // the copy's own problems first: a message that starts with a failed check means only checks failed
        checked.stream().filter(r -> !r.passed()).forEach(r -> problems.add("check failed: " + r.line()));
        results.forEach(r -> progress.accept("VERIFY: " + r));
        if (!problems.isEmpty()) {
            throw PitrException.verification(String.join("; ", problems));
        }
        return StepResult.recovered(new RestoreJournal.RecoveredPoint(s.replayLsn(), s.lastXact(), ended.map(e -> "recovery ended: " + e)
                .orElse(s.pauseState()), results));
    }
}
