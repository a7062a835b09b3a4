package dev.pitr.restore;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.pitr.core.PitrException;
import dev.pitr.wal.Lsn;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where replay stops: the recovery_target_* settings PostgreSQL understands, as values. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = RecoveryTarget.Time.class, name = "time"),
        @JsonSubTypes.Type(value = RecoveryTarget.Xid.class, name = "xid"),
        @JsonSubTypes.Type(value = RecoveryTarget.AtLsn.class, name = "lsn"),
        @JsonSubTypes.Type(value = RecoveryTarget.Name.class, name = "name"),
        @JsonSubTypes.Type(value = RecoveryTarget.Immediate.class, name = "immediate"),
        @JsonSubTypes.Type(value = RecoveryTarget.Latest.class, name = "latest")})
public sealed interface RecoveryTarget {
    DateTimeFormatter PG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSxxx").withZone(ZoneOffset.UTC);

    /** The postgresql.conf lines for this target (without inclusive/timeline/action). */
    Map<String, String> settings();

    String describe();

    /** Stop at a commit time. */
    record Time(Instant at) implements RecoveryTarget {
        public Map<String, String> settings() {
            return Map.of("recovery_target_time", PG_TIME.format(at));
        }

        public String describe() {
            return "time " + PG_TIME.format(at);
        }
    }

    /** Stop at a transaction's commit. */
    record Xid(long xid) implements RecoveryTarget {
        public Map<String, String> settings() {
            return Map.of("recovery_target_xid", Long.toString(xid));
        }

        public String describe() {
            return "xid " + xid;
        }
    }

    /** Stop at a WAL location. */
    record AtLsn(Lsn lsn) implements RecoveryTarget {
        public Map<String, String> settings() {
            return Map.of("recovery_target_lsn", lsn.toString());
        }

        public String describe() {
            return "lsn " + lsn;
        }
    }

    /** Stop at a named restore point (pg_create_restore_point). */
    record Name(String name) implements RecoveryTarget {
        public Map<String, String> settings() {
            return Map.of("recovery_target_name", name);
        }

        public String describe() {
            return "restore point '" + name + "'";
        }
    }

    /** Stop as soon as the backup is consistent. */
    record Immediate() implements RecoveryTarget {
        public Map<String, String> settings() {
            return Map.of("recovery_target", "immediate");
        }

        public String describe() {
            return "end of backup (immediate)";
        }
    }

    /** Replay everything archived (the server stays a standby until promoted). */
    record Latest() implements RecoveryTarget {
        public Map<String, String> settings() {
            return new LinkedHashMap<>();
        }

        public String describe() {
            return "latest archived WAL";
        }
    }

    /**
     * Parses a target time: ISO-8601 with an offset or zone ({@code 2026-03-25T14:13:00+01:00},
     * {@code 2026-03-25 14:13:00 Europe/Berlin}), or zone-less, read in {@code defaultZone}.
     */
    static Instant parseTime(String text, ZoneId defaultZone) {
        String t = text.trim().replace(' ', 'T');
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        int zoneAt = t.indexOf('T', 11) > 0 ? t.indexOf('T', 11) : -1;
        try {
            if (zoneAt > 0) {
                return LocalDateTime.parse(t.substring(0, zoneAt)).atZone(ZoneId.of(t.substring(zoneAt + 1))).toInstant();
            }
            return ZonedDateTime.of(LocalDateTime.parse(t), defaultZone).toInstant();
        } catch (java.time.DateTimeException e) {
            throw PitrException.usage("target time '" + text + "' is not a time like 2026-03-25T14:13:00+01:00,"
                    + " '2026-03-25 14:13:00 Europe/Berlin' or a zone-less 2026-03-25T14:13:00");
        }
    }
}
