package dev.pitr.backup;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.PutOutcome;
import dev.pitr.repo.Repository;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A running backup's claim on its directory: a unique ID taken with a conditional write of its start marker
 * (read back, for stores that ignore {@code If-None-Match}), and a heartbeat object rewritten while it runs,
 * naming its host and process. {@code expire} deletes an unfinished backup only when it is known to have
 * stopped: its process is gone (same host), or its heartbeat has gone stale (another host).
 */
public final class BackupLease implements AutoCloseable {
    /** Rewritten every {@link #BEAT} while the backup runs. */
    public static final String HEARTBEAT = "backup.heartbeat";
    static final Duration BEAT = Duration.ofSeconds(15);
    /** An unfinished backup whose heartbeat is older than this was interrupted (a running one beats 8 times). */
    public static final Duration STALE = Duration.ofMinutes(2);
    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Repository repo;
    private final String id;
    private final ScheduledExecutorService beat;

    private BackupLease(Repository repo, String id) {
        this.repo = repo;
        this.id = id;
        this.beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "backup-heartbeat");
            t.setDaemon(true);
            return t;
        });
        beatOnce();
        beat.scheduleAtFixedRate(this::beatOnce, BEAT.toMillis(), BEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Claims a new backup ID (the time, with -2, -3, ... when another backup took that second). */
    public static BackupLease claim(Repository repo, Instant now) {
        String base = ID.format(now);
        for (int n = 1; n < 100; n++) {
            String id = n == 1 ? base : base + "-" + n;
            byte[] marker = claimMarker(new Claim(id, now, UUID.randomUUID().toString(), Beat.now(false)));
            String key = BackupCatalog.prefix(id) + BackupCatalog.STARTED;
            if (repo.putIfAbsent(key, marker) == PutOutcome.CREATED
                    && repo.getBytes(key).map(b -> java.util.Arrays.equals(b, marker)).orElse(false)) {
                return new BackupLease(repo, id);
            }
        }
        throw PitrException.usage("cannot claim a backup ID for " + base + ": 99 backups started in that second");
    }

    public String id() {
        return id;
    }

    /**
     * The start marker: the ID, when, a unique claim (read back to prove it won), and who claimed it, so that a
     * backup killed before its first heartbeat is known dead on its host at once, not only when it goes stale.
     */
    record Claim(@JsonProperty("id") String id, @JsonProperty("started_at") Instant startedAt,
                 @JsonProperty("claim") String claim, @JsonProperty("by") Beat by) {
    }

    private static byte[] claimMarker(Claim claim) {
        try {
            return Json.mapper().writeValueAsBytes(claim);
        } catch (java.io.IOException e) {
            throw PitrException.io("cannot write the start marker of backup " + claim.id() + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Claim> claimOf(Repository repo, String id) {
        return repo.getBytes(BackupCatalog.prefix(id) + BackupCatalog.STARTED).flatMap(b -> {
            try {
                return Optional.ofNullable(Json.mapper().readValue(b, Claim.class));
            } catch (java.io.IOException olderOrDamaged) {
                return Optional.empty();
            }
        });
    }

    /** Who beats: enough to tell, on the same host, whether that process still runs. */
    record Beat(String host, long pid, @JsonAlias("processStart") String processStart, Instant at, boolean ended) {
        static Beat now(boolean ended) {
            ProcessHandle self = ProcessHandle.current();
            return new Beat(localHost(), self.pid(), self.info().startInstant().map(Instant::toString).orElse(""),
                    Instant.now(), ended);
        }

        /** Alive for certain (same host, same process), dead for certain, or unknown (another host). */
        Optional<Boolean> aliveHere() {
            if (!host.equals(localHost())) {
                return Optional.empty();
            }
            return Optional.of(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .map(p -> p.info().startInstant().map(Instant::toString).orElse("").equals(processStart))
                    .orElse(false));
        }

        private static String localHost() {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                return "localhost";
            }
        }
    }

    private void beatOnce() {
        beat(false);
    }

    private void beat(boolean ended) {
        try {
            repo.put(BackupCatalog.prefix(id) + HEARTBEAT, Json.mapper().writeValueAsBytes(Beat.now(ended)));
        } catch (RuntimeException | java.io.IOException e) {
            // a missed beat only makes the backup look older; the next one retries
        }
    }

    /**
     * Whether an unfinished backup may still be running: its process is alive on this host, or, from another
     * host, its heartbeat (or, from an older pitr, its start) is recent.
     */
    public static boolean running(Repository repo, String id, Instant now) {
        String key = BackupCatalog.prefix(id) + HEARTBEAT;
        Optional<Beat> beat = repo.getBytes(key).flatMap(b -> {
            try {
                return Optional.of(Json.mapper().readValue(b, Beat.class));
            } catch (java.io.IOException damaged) {
                return Optional.empty();
            }
        });
        if (beat.map(Beat::ended).orElse(false)) {
            return false; // it finished (and failed, or it would have its backup.json)
        }
        // before its first heartbeat, the start marker says who claimed the backup
        Optional<Boolean> alive = beat.or(() -> claimOf(repo, id).map(Claim::by)).flatMap(Beat::aliveHere);
        if (alive.isPresent()) {
            return alive.get();
        }
        Optional<Instant> last = repo.head(key).map(ObjectInfo::lastModified)
                .or(() -> repo.head(BackupCatalog.prefix(id) + BackupCatalog.STARTED).map(ObjectInfo::lastModified));
        return last.map(t -> Duration.between(t, now).compareTo(STALE) < 0).orElse(false);
    }

    @Override
    public void close() {
        beat.shutdownNow();
        try {
            beat.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        beat(true); // the last beat says it ended: an unfinished backup is then interrupted at once
    }
}
