package dev.pitr.restore;

/**
 * One state of the restore runbook: what it does to the plan's copy. A step checks its own preconditions and
 * is safe to run again after a crash (the runner re-runs the step a journal shows unfinished).
 */
public interface Step {
    StepResult run(RestorePlan plan);
}
