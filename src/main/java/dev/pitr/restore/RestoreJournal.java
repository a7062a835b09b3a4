package dev.pitr.restore;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pitr.core.AtomicFiles;
import dev.pitr.core.ExitCode;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
import dev.pitr.core.StrictJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The restore's durable record: the plan, the current state, every step's start/end/bytes/outcome, and the
 * recovered point. Saved (temp + fsync + rename) at every transition, so a crash at any instant leaves a
 * journal that 'resume' can continue from. Read back, it is the incident timeline.
 */
public record RestoreJournal(@JsonProperty("format_version") int formatVersion,
                             @JsonProperty("plan") RestorePlan plan,
                             @JsonProperty("state") RestoreState state,
                             @JsonProperty("failed_step") RestoreState failedStep,
                             @JsonProperty("error") String error,
                             @JsonProperty("steps") List<Step> steps,
                             @JsonProperty("recovered") RecoveredPoint recovered,
                             @JsonProperty("created_at") Instant createdAt) {
    /** 2: the plan in parts (source, stop, destination, wal), the subject, value types. */
    public static final int FORMAT_VERSION = 2;

    /** One run of one step (a step re-run after a failure or crash gets a second record). */
    public record Step(@JsonProperty("state") RestoreState state,
                       @JsonProperty("started_at") Instant startedAt,
                       @JsonProperty("ended_at") Instant endedAt,
                       @JsonProperty("bytes") long bytes,
                       @JsonProperty("outcome") String outcome) {
    }

    /** Where replay stopped, as the restored server reports it. */
    public record RecoveredPoint(@JsonProperty("replay_lsn") String replayLsn,
                                 @JsonProperty("last_transaction_time") Instant lastTransactionTime,
                                 @JsonProperty("pause_state") String pauseState,
                                 @JsonProperty("checks") List<String> checks) {
    }

    public static RestoreJournal begin(RestorePlan plan) {
        return new RestoreJournal(FORMAT_VERSION, plan, RestoreState.PREFLIGHT, null, null, List.of(), null, Instant.now());
    }

    public RestoreJournal started(RestoreState s) {
        List<Step> list = new ArrayList<>(steps);
        list.add(new Step(s, Instant.now(), null, 0, "running"));
        return new RestoreJournal(FORMAT_VERSION, plan, s, null, null, list, recovered, createdAt);
    }

    public RestoreJournal completed(RestoreState s, long bytes, RestoreState next) {
        return new RestoreJournal(FORMAT_VERSION, plan, next, null, null, closeLast(bytes, "done"), recovered, createdAt);
    }

    public RestoreJournal failed(RestoreState s, String message) {
        return new RestoreJournal(FORMAT_VERSION, plan, RestoreState.FAILED, s, message, closeLast(0, "failed: " + message),
                recovered, createdAt);
    }

    /** Replay reached the target and only checks failed: the copy is usable (salvage, promote, fix the checks). */
    public boolean onlyChecksFailed() {
        return state == RestoreState.FAILED && failedStep == RestoreState.VERIFY && error != null
                && error.startsWith("check failed");
    }

    public RestoreJournal withPlan(RestorePlan p) {
        return new RestoreJournal(FORMAT_VERSION, p, state, failedStep, error, steps, recovered, createdAt);
    }

    public RestoreJournal withState(RestoreState s) {
        return new RestoreJournal(FORMAT_VERSION, plan, s, failedStep, error, steps, recovered, createdAt);
    }

    public RestoreJournal withRecovered(RecoveredPoint point) {
        return new RestoreJournal(FORMAT_VERSION, plan, state, failedStep, error, steps, point, createdAt);
    }

    /** A resting-state event (promote, abort) recorded as an instant step. */
    public RestoreJournal event(RestoreState s, String outcome) {
        List<Step> list = new ArrayList<>(steps);
        Instant now = Instant.now();
        list.add(new Step(s, now, now, 0, outcome));
        return new RestoreJournal(FORMAT_VERSION, plan, s, null, null, list, recovered, createdAt);
    }

    private List<Step> closeLast(long bytes, String outcome) {
        List<Step> list = new ArrayList<>(steps);
        Step last = list.remove(list.size() - 1);
        list.add(new Step(last.state(), last.startedAt(), Instant.now(), bytes, outcome));
        return list;
    }

    /** True when a step of this kind has completed before (completed steps are never redone). */
    public boolean completedBefore(RestoreState s) {
        return steps.stream().anyMatch(st -> st.state() == s && "done".equals(st.outcome()));
    }

    public void save() {
        try {
            Files.createDirectories(plan.stateDir());
            AtomicFiles.write(plan.journalFile(), Json.mapper().writeValueAsBytes(this));
        } catch (IOException e) {
            throw PitrException.io("cannot write the restore journal " + plan.journalFile() + ": " + e.getMessage(), e);
        }
    }

    /** Read strictly, like backup.json: another format, an unknown or missing field is refused by name. */
    public static RestoreJournal load(Path stateDir) {
        Path file = stateDir.resolve("journal.json");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw PitrException.usage("no restore journal at " + file + ": pass the --pgdata of a restore started"
                    + " with 'pitr restore run'");
        } catch (IOException e) {
            throw new PitrException(ExitCode.IO_FAILURE, "restore journal " + file + " is unreadable: " + e.getMessage(), e);
        }
        int version;
        try {
            version = Json.mapper().readTree(bytes).path("format_version").asInt(1);
        } catch (IOException e) {
            throw new PitrException(ExitCode.IO_FAILURE, "restore journal " + file + " is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (version < FORMAT_VERSION) {
            throw new PitrException(ExitCode.REFUSED, "restore journal " + file + " was written by an older pitr (journal"
                    + " format " + version + "): finish or abort that restore with the pitr that started it, or remove "
                    + stateDir + " with the copy; nothing was changed");
        }
        return StrictJson.read(bytes, RestoreJournal.class, FORMAT_VERSION, "restore journal " + file);
    }
}
