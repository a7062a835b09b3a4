package dev.pitr.restore;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.core.Trees;

import java.nio.file.Files;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The restore runbook, executed: PREFLIGHT → FETCH_BACKUP → PREFETCH_WAL → CONFIGURE → REPLAY → VERIFY →
 * READY, then PROMOTED on request. Each transition is saved to the journal before and after the step, so
 * 'resume' after a crash or a fixed failure re-runs only the step that was interrupted (steps are idempotent).
 */
public final class RestoreRunner {
    private final Map<RestoreState, Step> steps;
    private final CopyLifecycle copy;
    private final Consumer<String> progress;

    /** {@code steps}: one for every working state; {@code copy}: what is done to the copy outside the steps. */
    public RestoreRunner(Map<RestoreState, Step> steps, CopyLifecycle copy, Consumer<String> progress) {
        for (RestoreState s : RestoreState.values()) {
            if (s.isStep() && !steps.containsKey(s)) {
                throw new IllegalArgumentException("no step for " + s);
            }
        }
        this.steps = Map.copyOf(steps);
        this.copy = copy;
        this.progress = progress;
    }

    public RestoreRunner(RestoreSteps wired, Consumer<String> progress) {
        this(wired.steps(), wired.lifecycle(), progress);
    }

    /** Starts a new restore. A refused preflight writes nothing at all. */
    public RestoreJournal run(RestorePlan plan) {
        boolean earlier = Files.exists(plan.journalFile());
        if (earlier && !over(RestoreJournal.load(plan.stateDir()).state(), plan)) {
            throw PitrException.refused("a restore is already recorded in " + plan.stateDir()
                    + ": use 'pitr restore resume|status|abort --pgdata " + plan.pgdata() + "'"
                    + (plan.reusesFiles() ? " (it has not finished; --delta starts over only from a finished one)" : ""));
        }
        steps.get(RestoreState.PREFLIGHT).run(plan);
        if (earlier) { // over a restore that is over (or --delta over a finished one): its journal stays as history
            try {
                Files.move(plan.journalFile(), plan.stateDir().resolve("journal-" + System.currentTimeMillis() + ".json"));
            } catch (java.io.IOException e) {
                throw PitrException.io("cannot keep the earlier journal in " + plan.stateDir() + ": " + e.getMessage(), e);
            }
        }
        RestoreJournal journal = RestoreJournal.begin(plan).started(RestoreState.PREFLIGHT);
        journal = journal.completed(RestoreState.PREFLIGHT, 0, RestoreState.PREFLIGHT.next().orElseThrow());
        copy.prepareStateDir(plan);
        try (StateDirLock lock = StateDirLock.acquire(plan.stateDir(), "restore run")) {
            if (Files.exists(plan.journalFile())) { // another run got here first, between its preflight and ours
                throw PitrException.refused("a restore was started in " + plan.stateDir() + " while this one was"
                        + " checking: use 'pitr restore status --pgdata " + plan.pgdata() + "'; nothing was changed");
            }
            journal.save();
            return drive(journal);
        }
    }

    /**
     * Whether an earlier restore recorded here is over, so a new one may start: promoted (the cluster lives on:
     * the next incident restores it in place again) or aborted; with --delta, any that is not mid-step.
     */
    private static boolean over(RestoreState earlier, RestorePlan plan) {
        return earlier == RestoreState.PROMOTED || earlier == RestoreState.ABORTED
                || plan.reusesFiles() && !earlier.isStep();
    }

    /** Continues a restore from its journal: the failed or interrupted step runs again, completed ones do not. */
    public RestoreJournal resume(Path stateDir) {
        try (StateDirLock lock = StateDirLock.acquire(stateDir, "restore resume")) {
            RestoreJournal journal = loadOwn(stateDir);
            if (journal.state() == RestoreState.FAILED) {
                journal = journal.withState(journal.failedStep());
            }
            if (!journal.state().isStep()) {
                progress.accept("restore is " + journal.state() + ": nothing to resume");
                return journal;
            }
            // the world may have changed since the journal was written: check again what the next steps need
            copy.checkResumable(journal.plan(), journal.state());
            progress.accept("resuming at " + journal.state() + " (" + journal.state().purpose() + ")");
            return drive(journal);
        }
    }

    /**
     * The journal of this state directory, refused when its plan points elsewhere: a hand-edited journal must
     * not make resume or abort act on another directory.
     */
    static RestoreJournal loadOwn(Path stateDir) {
        RestoreJournal journal = RestoreJournal.load(stateDir);
        Path own = stateDir.toAbsolutePath().normalize();
        Path planned = RestorePlan.stateDirFor(journal.plan().pgdata()).toAbsolutePath().normalize();
        if (!planned.equals(own) || !journal.plan().stateDir().toAbsolutePath().normalize().equals(own)) {
            throw PitrException.refused("the journal in " + stateDir + " names " + journal.plan().pgdata()
                    + ", whose restore would live in " + planned + ": it was edited or moved; nothing was changed");
        }
        return journal;
    }

    private RestoreJournal drive(RestoreJournal journal) {
        RestorePlan plan = journal.plan();
        while (journal.state().isStep()) {
            RestoreState step = journal.state();
            journal = journal.started(step);
            journal.save();
            progress.accept(step + ": " + step.purpose());
            try {
                StepResult result = steps.get(step).run(plan);
                if (result.recovered().isPresent()) {
                    journal = journal.withRecovered(result.recovered().get());
                }
                journal = journal.completed(step, result.bytes(), step.next().orElseThrow());
            } catch (PitrException e) {
                journal = journal.failed(step, e.getMessage());
                journal.save();
                throw e;
            } catch (RuntimeException e) {
                journal = journal.failed(step, String.valueOf(e));
                journal.save();
                throw new PitrException(ExitCode.IO_FAILURE, step + " failed: " + e, e);
            }
            journal.save();
        }
        return journal;
    }

    /**
     * Runs VERIFY again with other checks (in {@code database}): a wrong check must not trap a good copy. Only a
     * copy that reached its target (READY, or VERIFY failed) can be verified again; the new checks are journaled.
     */
    public RestoreJournal reverify(Path stateDir, java.util.List<String> checks, String database) {
        try (StateDirLock lock = StateDirLock.acquire(stateDir, "restore verify")) {
            RestoreJournal journal = loadOwn(stateDir);
            boolean verifiable = journal.state() == RestoreState.READY
                    || journal.state() == RestoreState.FAILED && journal.failedStep() == RestoreState.VERIFY;
            if (!verifiable) {
                throw PitrException.refused("restore is " + journal.state() + (journal.failedStep() == null ? ""
                        : " at " + journal.failedStep()) + ": only a copy that reached its target can be verified again;"
                        + " use 'pitr restore resume' first");
            }
            journal = journal.withPlan(journal.plan().withChecks(checks, database)).withState(RestoreState.VERIFY);
            copy.checkResumable(journal.plan(), RestoreState.VERIFY);
            return drive(journal);
        }
    }

    /** Ends recovery: the paused copy becomes a writable server on a new timeline. */
    public RestoreJournal promote(Path stateDir) {
        return promote(stateDir, false);
    }

    /** {@code resumeArchiving}: for the cluster itself (in place), archive the new timeline into the repository. */
    public RestoreJournal promote(Path stateDir, boolean resumeArchiving) {
        try (StateDirLock lock = StateDirLock.acquire(stateDir, "restore promote")) {
            return promoteLocked(stateDir, resumeArchiving);
        }
    }

    private RestoreJournal promoteLocked(Path stateDir, boolean resumeArchiving) {
        RestoreJournal journal = loadOwn(stateDir);
        if (journal.state() != RestoreState.READY && !journal.onlyChecksFailed()) {
            throw PitrException.refused("restore is " + journal.state() + ", not READY: only a restore that reached its"
                    + " target can be promoted");
        }
        if (resumeArchiving && !journal.plan().inPlace()) {
            throw PitrException.refused("--resume-archiving is for an --in-place restore of the cluster itself: a side-by-side"
                    + " copy must never archive into the production repository");
        }
        if (resumeArchiving) { // before promoting: a promotion with archiving off never archives its history file
            copy.resumeArchiving(journal.plan());
        }
        copy.promote(journal.plan());
        journal = journal.event(RestoreState.PROMOTED, "promoted");
        journal.save();
        return journal;
    }

    /** Stops the restored server (if running) and marks the restore aborted; the files stay for inspection. */
    public RestoreJournal abort(Path stateDir) {
        try (StateDirLock lock = StateDirLock.acquire(stateDir, "restore abort")) {
            RestoreJournal journal = loadOwn(stateDir);
            copy.stopServer(journal.plan());
            journal = journal.event(RestoreState.ABORTED, "aborted");
            journal.save();
            return journal;
        }
    }

    /**
     * Aborts the restore and deletes the copy and its state directory. Refused (exit 4, nothing touched) for an
     * in-place restore, whose copy is the cluster's own data directory now, and for {@code clusterPgdata}, the
     * configured cluster's: a copy is removed, a cluster never.
     */
    public RestoreJournal remove(Path stateDir, Optional<Path> clusterPgdata) {
        RestoreJournal journal;
        try (StateDirLock lock = StateDirLock.acquire(stateDir, "restore abort --remove")) {
            journal = loadOwn(stateDir);
            Path pgdata = journal.plan().pgdata().toAbsolutePath().normalize();
            if (journal.plan().inPlace() || clusterPgdata.map(p -> p.toAbsolutePath().normalize().equals(pgdata))
                    .orElse(false)) {
                throw PitrException.refused("refused to remove " + pgdata + ": it is the cluster's own data directory"
                        + " (an in-place restore or the configured pgdata); 'restore abort' stops it and keeps the files");
            }
            copy.stopServer(journal.plan());
            journal = journal.event(RestoreState.ABORTED, "aborted; the copy and its state directory removed");
            journal.save();
            deleteTree(pgdata);
        }
        deleteTree(stateDir); // after the lock, whose file is in it
        return journal;
    }

    private static void deleteTree(Path dir) {
        try {
            Trees.delete(dir);
        } catch (IOException e) {
            throw PitrException.io("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
