package dev.pitr.repo;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;

/**
 * The repository's identity object: one repository serves one PostgreSQL cluster (system identifier), one
 * major version and one WAL segment size. Written once, by whichever push or backup comes first.
 */
public record RepositoryIdentity(@JsonProperty("format_version") int formatVersion,
                                 @JsonProperty("system_identifier") String systemIdentifier,
                                 @JsonProperty("pg_major") int pgMajor,
                                 @JsonProperty("wal_segment_size") int walSegmentSize,
                                 @JsonProperty("created_at") Instant createdAt) {
    public static final int FORMAT_VERSION = 1;
}
