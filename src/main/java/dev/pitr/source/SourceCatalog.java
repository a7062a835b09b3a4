package dev.pitr.source;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.pitr.core.PitrException;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.SegmentRuns;
import dev.pitr.wal.WalSegmentName;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A repository's backups and WAL, in pitr's terms, whichever tool wrote them. */
public record SourceCatalog(Optional<Cluster> cluster, List<Backup> backups, List<Timeline> timelines) {
    /** The cluster the repository belongs to. */
        public record Cluster(String systemIdentifier, String pgVersion, int walSegmentSize) {
        /** The major version: {@code 15} of "15", "15.4". */
        @JsonIgnore
        public int pgMajor() {
            String major = pgVersion.contains(".") ? pgVersion.substring(0, pgVersion.indexOf('.')) : pgVersion;
            try {
                return Integer.parseInt(major);
            } catch (NumberFormatException e) {
                throw PitrException.io("the repository reports PostgreSQL version '" + pgVersion + "', which pitr cannot"
                        + " read", e);
            }
        }
    }

    /**
     * Where a backup starts and stops, in the WAL and in time; a stop time recorded less precisely than PostgreSQL
     * keeps it is rounded up (a restore to a time before the backup ended cannot use it).
     */
        public record Span(Lsn startLsn, Lsn stopLsn, Instant startTime, Instant stopTime) {
    }

    /**
     * One backup: the tool's id for it, its type (full, or the tool's word for an incremental one), its span,
     * the WAL it needs to be consistent, and its size restored.
     */
        public record Backup(String id, String type, Span span, WalSegmentName firstSegment, WalSegmentName lastSegment,
                         long databaseBytes) {
        /** The timeline the backup was taken on. */
        @JsonIgnore
        public int timeline() {
            return firstSegment.timeline();
        }
    }

    /** A timeline's archived segments as runs; what lies between two runs is missing. */
        public record Timeline(int timeline, List<SegmentRuns.Run> runs) {
        @JsonIgnore
        public long segments() {
            return runs.stream().mapToLong(SegmentRuns.Run::count).sum();
        }
    }
}
