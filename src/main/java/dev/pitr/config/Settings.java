package dev.pitr.config;

import dev.pitr.pg.PgConnection;
import dev.pitr.repo.S3Settings;

import java.nio.file.Path;
import java.util.Optional;

/** The effective settings of one run: flags over PITR_* environment variables over pitr.yaml over defaults. */
public record Settings(Optional<Path> configFile,
                       Optional<String> clusterName,
                       String environment,
                       Optional<String> repo,
                       S3Settings s3,
                       Optional<Path> pgBin,
                       Optional<Path> pgdata,
                       String host,
                       int port,
                       String user,
                       Optional<String> database,
                       Optional<Path> logDirectory,
                       Optional<String> logLinePrefix,
                       Optional<String> logTimezone,
                       int compressLevel,
                       Optional<Path> spool,
                       boolean archiveAsync,
                       int processMax,
                       java.util.OptionalInt archiveQueueMax,
                       Peers peers,
                       Optional<KeySource> encryptionKey) {
    /** How to reach the tools whose repositories pitr reads (pgbackrest://, barman-cloud+s3://). */
    public record Peers(Optional<Path> pgbackrestConfig) {
        public static final Peers DEFAULTS = new Peers(Optional.empty());
    }

    public static final String UNLABELLED = "unlabelled";

    /** The configured server (maintenance database). */
    public PgConnection server() {
        return new PgConnection(host, port, user, "postgres");
    }

    /** The application's database: where checks, salvage and the table lookups run (default postgres). */
    public String applicationDatabase() {
        return database.orElse("postgres");
    }

    public boolean isProduction() {
        return environment.toLowerCase(java.util.Locale.ROOT).startsWith("prod");
    }
}
