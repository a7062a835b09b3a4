package dev.pitr.drill;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pitr.verify.CheckResult;

import java.time.Instant;
import java.util.List;

/** What a drill did and measured: the restore's steps (RTO), the checks, and the archive's RPO at the time. */
public record DrillReport(@JsonProperty("cluster") String cluster,
                          @JsonProperty("environment") String environment,
                          @JsonProperty("repository") String repository,
                          @JsonProperty("backup_id") String backupId,
                          @JsonProperty("target") String target,
                          @JsonProperty("success") boolean success,
                          @JsonProperty("exit_code") int exitCode,
                          @JsonProperty("error") String error,
                          @JsonProperty("rto_seconds") double rtoSeconds,
                          @JsonProperty("steps") List<Step> steps,
                          @JsonProperty("checks") List<CheckResult> checks,
                          @JsonProperty("rpo_wal_age_seconds") Double rpoWalAgeSeconds,
                          @JsonProperty("rpo_backup_age_seconds") Double rpoBackupAgeSeconds,
                          @JsonProperty("started_at") Instant startedAt,
                          @JsonProperty("finished_at") Instant finishedAt) {

    /** One restore step's wall time and outcome. */
    public record Step(@JsonProperty("name") String name, @JsonProperty("seconds") double seconds,
                       @JsonProperty("outcome") String outcome) {
        public boolean passed() {
            return !outcome.startsWith("failed") && !"running".equals(outcome);
        }
    }
}
