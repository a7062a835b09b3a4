package dev.pitr.cli;

import dev.pitr.restore.RecoveryTarget;
import dev.pitr.restore.RestoreJournal;
import dev.pitr.restore.RestorePlan;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How a restore reads to a person: the plan before, the timeline during and after. */
final class RestoreReport {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.S").withZone(ZoneOffset.UTC);

    private RestoreReport() {
    }

    static void printPlan(Output out, RestorePlan p) {
        if (out == null) {
            return;
        }
        out.println("restore plan (" + p.environment() + ")");
        out.println("  backup      " + p.backupId() + " (timeline " + p.backupTimeline() + ", ends " + p.backupStopLsn()
                + " at " + p.backupStopTime() + ")");
        out.println("  target      " + p.target().describe() + (p.inclusive() ? ", inclusive" : ", exclusive (stop just before)")
                + ", timeline " + p.timeline());
        out.println("  WAL         " + p.walFiles().size() + " files" + (p.walFiles().isEmpty() ? ""
                : ": " + p.walFiles().get(0) + " .. " + p.walFiles().get(p.walFiles().size() - 1)));
        out.println("  into        " + p.pgdata() + " on port " + p.port() + " (journal, spool, log: " + p.stateDir() + ")");
        out.println("  disk        needs ~" + Format.bytes(p.diskNeeded()) + ", " + Format.bytes(p.diskFree()) + " free");
        p.tablespaces().forEach((oid, dir) -> out.println("  tablespace  " + oid + " -> " + dir));
        if (p.reusesFiles()) {
            out.println("  delta       files already in " + p.pgdata() + " that match the backup are kept");
        }
        p.suspect().ifPresent(t -> {
            out.println("  suspect     transaction " + t.xid() + ": first WAL record " + t.firstLsn()
                    + (t.firstLsnProven() ? "" : " (or earlier)") + ", commit " + t.commitLsn() + " at " + t.commitTime());
            out.println("              stop before its commit: no other commit lost" + (t.holdsExclusiveLock()
                    ? (p.inPlace() ? "; its AccessExclusiveLock blocks the table until 'restore promote'"
                    : "; the copy ends recovery there (its AccessExclusiveLock would block the table)") : ""));
            out.println("              stop before its first record: loses " + t.between());
            out.println("              this restore stops before its " + (p.target() instanceof RecoveryTarget.AtLsn
                    ? "first record (--stop-before first-record)" : "commit (--stop-before commit)"));
        });
        out.println("  settings    " + p.recoverySettings());
        out.println("  steps       PREFLIGHT > FETCH_BACKUP > PREFETCH_WAL > CONFIGURE > REPLAY > VERIFY > READY");
    }

    static void printOutcome(Output out, RestoreJournal j) {
        if (out.json()) {
            out.printJson(j);
            return;
        }
        printTimeline(out, j);
        RestorePlan p = j.plan();
        switch (j.state()) {
            case READY -> {
                boolean ended = j.recovered() != null && j.recovered().pauseState().startsWith("recovery ended");
                out.println("READY: " + (ended ? "recovery ended at " : "paused at ") + p.target().describe()
                        + ". Connect: psql -h 127.0.0.1 -p " + p.port() + " -U postgres -d " + p.subject().database());
                if (ended) {
                    out.println("  why: " + j.recovered().pauseState().substring("recovery ended: ".length()));
                }
                printNext(out, p, ended);
            }
            case PROMOTED -> out.println("PROMOTED: " + p.pgdata() + " is a writable server on port " + p.port()
                    + " (archive_mode off: it does not archive into the repository)");
            default -> {
                out.println(j.state() + (j.error() == null ? "" : ": " + j.error()));
                if (j.onlyChecksFailed()) {
                    out.println("the copy replayed to its target and is usable (psql -h 127.0.0.1 -p " + p.port()
                            + " -U postgres -d " + p.subject().database() + "); only a check failed. Fix the check:"
                            + " pitr restore verify --pgdata " + p.pgdata() + " --check '...'");
                    printNext(out, p, false);
                }
            }
        }
    }

    /** The ready-to-run next commands: salvage the table that was hit, or promote. */
    private static void printNext(Output out, RestorePlan p, boolean ended) {
        String table = p.subject().table().orElse("SCHEMA.TABLE");
        out.println("next: check the data, then put the table back into the live database:");
        out.println("  pitr salvage --from-port " + p.port() + " --database " + p.subject().database() + " --table "
                + table + " --as " + table.replaceAll("^.*\\.", "") + "_restored   (or --original-name if it was dropped)");
        if (!ended) {
            out.println("  or make the copy writable: pitr restore promote --pgdata " + p.pgdata());
        }
    }

    static void printTimeline(Output out, RestoreJournal j) {
        RestorePlan p = j.plan();
        out.println("restore of backup " + p.backupId() + " to " + p.target().describe() + " into " + p.pgdata()
                + " (port " + p.port() + "): " + j.state());
        for (RestoreJournal.Step s : j.steps()) {
            String took = s.endedAt() == null ? "..." : String.format(Locale.ROOT, "%.1f s",
                    Duration.between(s.startedAt(), s.endedAt()).toMillis() / 1000.0);
            out.println(String.format("  %s  %-13s %8s %10s  %s", CLOCK.format(s.startedAt()), s.state(), took,
                    s.bytes() > 0 ? Format.bytes(s.bytes()) : "", s.outcome()));
        }
        if (j.recovered() != null) {
            out.println("  recovered: replay LSN " + j.recovered().replayLsn() + ", last commit "
                    + j.recovered().lastTransactionTime() + ", " + j.recovered().pauseState());
            j.recovered().checks().forEach(c -> out.println("  check " + c));
        }
    }
}
