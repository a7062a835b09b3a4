package dev.pitr.backup;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.WalSegmentName;

import java.time.Instant;
import java.util.List;

/**
 * A finished base backup, as recorded in {@code backups/<id>/backup.json}. This object is written last: a
 * backup without it never counts as usable.
 */
public record BackupMetadata(@JsonProperty("format_version") int formatVersion,
                             @JsonProperty("id") String id,
                             @JsonProperty("label") String label,
                             @JsonProperty("start_lsn") Lsn startLsn,
                             @JsonProperty("stop_lsn") Lsn stopLsn,
                             @JsonProperty("start_time") Instant startTime,
                             @JsonProperty("stop_time") Instant stopTime,
                             @JsonProperty("timeline") int timeline,
                             @JsonProperty("start_segment") WalSegmentName startSegment,
                             @JsonProperty("stop_segment") WalSegmentName stopSegment,
                             @JsonProperty("system_identifier") String systemIdentifier,
                             @JsonProperty("pg_major") int pgMajor,
                             @JsonProperty("pg_version") String pgVersion,
                             @JsonProperty("wal_segment_size") int walSegmentSize,
                             @JsonProperty("database_size") long databaseSize,
                             @JsonProperty("files") List<BackupFile> files,
                             @JsonProperty("manifest_key") String manifestKey) {
    public static final int FORMAT_VERSION = 1;

    /** One stored object of the backup (a tar stream), with the size and SHA-256 of its uncompressed content. */
    public record BackupFile(@JsonProperty("name") String name,
                             @JsonProperty("key") String key,
                             @JsonProperty("raw_bytes") long rawBytes,
                             @JsonProperty("stored_bytes") long storedBytes,
                             @JsonProperty("sha256") String sha256) {
    }

    public long storedBytes() {
        return files.stream().mapToLong(BackupFile::storedBytes).sum();
    }

    public long rawBytes() {
        return files.stream().mapToLong(BackupFile::rawBytes).sum();
    }
}
