package dev.pitr.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One cluster's section of pitr.yaml. Every field is optional; flags and PITR_* variables override it. */
public record ClusterConfig(@JsonProperty("environment") String environment,
                            @JsonProperty("repo") String repo,
                            @JsonProperty("s3") S3Config s3,
                            @JsonProperty("pg-bin") String pgBin,
                            @JsonProperty("pgdata") String pgdata,
                            @JsonProperty("host") String host,
                            @JsonProperty("port") Integer port,
                            @JsonProperty("user") String user,
                            @JsonProperty("database") String database,
                            @JsonProperty("log-directory") String logDirectory,
                            @JsonProperty("log-line-prefix") String logLinePrefix,
                            @JsonProperty("log-timezone") String logTimezone,
                            @JsonProperty("compress-level") Integer compressLevel,
                            @JsonProperty("spool") String spool,
                            @JsonProperty("archive-async") Boolean archiveAsync,
                            @JsonProperty("process-max") Integer processMax,
                            @JsonProperty("archive-queue-max") Integer archiveQueueMax,
                            @JsonProperty("pgbackrest-config") String pgbackrestConfig,
                            @JsonProperty("encryption-key-file") String encryptionKeyFile,
                            @JsonProperty("encryption-key-command") String encryptionKeyCommand) {

    /** The S3 connection; never credentials (they come from the AWS default provider chain). */
    public record S3Config(@JsonProperty("endpoint") String endpoint,
                           @JsonProperty("region") String region,
                           @JsonProperty("path-style") Boolean pathStyle,
                           @JsonProperty("max-attempts") Integer maxAttempts,
                           @JsonProperty("timeout-seconds") Integer timeoutSeconds,
                           @JsonProperty("server-side-encryption") String serverSideEncryption,
                           @JsonProperty("sse-kms-key-id") String sseKmsKeyId) {
    }
}
