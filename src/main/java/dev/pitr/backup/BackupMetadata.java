package dev.pitr.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
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

    /**
     * The earliest time target this backup restores to: its stop time rounded up to the microsecond, the
     * precision of PostgreSQL's timestamps and of every time pitr prints, so the start it shows is accepted.
     */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public Instant restorableFrom() {
        Instant micros = stopTime.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        return micros.equals(stopTime) ? micros : micros.plus(1, java.time.temporal.ChronoUnit.MICROS);
    }

    /**
     * One stored object of the backup (a zstd-compressed tar stream) and how it is proven whole: backups since
     * the stored digest carry the SHA-256 of the object as stored (and zstd's content checksum in its frames),
     * which costs a twentieth of hashing the uncompressed stream; older ones carry the SHA-256 of the
     * uncompressed stream, and are checked that way.
     */
    public record BackupFile(@JsonProperty("name") String name,
                             @JsonProperty("key") String key,
                             @JsonProperty("raw_bytes") long rawBytes,
                             @JsonProperty("stored_bytes") long storedBytes,
                             @JsonProperty("sha256") @JsonInclude(JsonInclude.Include.NON_NULL) String sha256,
                             @JsonProperty("stored_sha256") @JsonInclude(JsonInclude.Include.NON_NULL) String storedSha256) {
        public BackupFile {
            if (sha256 == null && storedSha256 == null) {
                throw new IllegalArgumentException("backup object " + key + " has no digest (sha256 or stored_sha256)");
            }
        }

        /** An object proven by the SHA-256 of its uncompressed content (the older way). */
        public BackupFile(String name, String key, long rawBytes, long storedBytes, String sha256) {
            this(name, key, rawBytes, storedBytes, sha256, null);
        }

        private static final java.util.Set<String> FIELDS = java.util.Set.of("name", "key", "raw_bytes", "stored_bytes",
                "sha256", "stored_sha256");

        /**
         * Read as strictly as the rest of the metadata (unknown or mistyped fields are refused), except that a
         * backup written before the stored digest has none, and a newer one has no uncompressed digest.
         */
        @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING)
        static BackupFile fromJson(java.util.Map<String, Object> json) {
            for (String field : json.keySet()) {
                if (!FIELDS.contains(field)) {
                    throw new IllegalArgumentException("unknown field '" + field + "' in a backup file entry");
                }
            }
            return new BackupFile(text(json, "name", true), text(json, "key", true), count(json, "raw_bytes"),
                    count(json, "stored_bytes"), text(json, "sha256", false), text(json, "stored_sha256", false));
        }

        private static String text(java.util.Map<String, Object> json, String field, boolean required) {
            Object v = json.get(field);
            if (v == null && !required) {
                return null;
            }
            if (!(v instanceof String s)) {
                throw new IllegalArgumentException("backup file entry field '" + field + "' must be text");
            }
            return s;
        }

        private static long count(java.util.Map<String, Object> json, String field) {
            Object v = json.get(field);
            if (!(v instanceof Integer || v instanceof Long)) {
                throw new IllegalArgumentException("backup file entry field '" + field + "' must be a whole number");
            }
            return ((Number) v).longValue();
        }

        /** The digest that proves it, as shown to users. */
        public String digest() {
            return storedSha256 != null ? "stored sha256 " + storedSha256 : "sha256 " + sha256;
        }
    }

    public long storedBytes() {
        return files.stream().mapToLong(BackupFile::storedBytes).sum();
    }

    public long rawBytes() {
        return files.stream().mapToLong(BackupFile::rawBytes).sum();
    }
}
