package dev.pitr.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.SegmentRuns;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A pgBackRest repository, read through the installed {@code pgbackrest} binary and its documented interfaces
 * ({@code info --output=json}, {@code repo-ls}), as the server user when pitr runs as root. Where the repository
 * is, how it is encrypted and how many there are stays pgBackRest's business: pitr passes the stanza and the
 * configuration file on and never writes.
 */
public final class PgBackRestSource implements BackupSource {
    /** pgBackRest's own default configuration file. */
    public static final Path DEFAULT_CONFIG = Path.of("/etc/pgbackrest/pgbackrest.conf");
    /** pgBackRest's status code for a stanza it has no repository path for. */
    private static final int MISSING_STANZA = 1;

    private final SourceUrl.PgBackRest url;
    private final Optional<Path> config;
    private final PeerTool pgbackrest;

    /** {@code config}: the cluster's {@code pgbackrest-config:}, else PITR_PGBACKREST_CONFIG; empty: pgBackRest's default. */
    public PgBackRestSource(SourceUrl.PgBackRest url, Optional<Path> config) {
        this.url = url;
        this.config = config;
        List<String> leading = new ArrayList<>(List.of("--stanza=" + url.stanza()));
        config.ifPresent(c -> leading.add("--config=" + c));
        this.pgbackrest = new PeerTool("pgbackrest", "pgbackrest", "pgBackRest's repositories", leading, true, Map.of());
    }

    @Override
    public SourceKind kind() {
        return SourceKind.PGBACKREST;
    }

    @Override
    public String location() {
        return url.toString();
    }

    @Override
    public Optional<String> archiveCommand() {
        return Optional.of("pgbackrest --stanza=" + url.stanza() + config.map(c -> " --config=" + c).orElse("")
                + " archive-push %p");
    }

    @Override
    public SourceCatalog catalog() {
        JsonNode stanza = stanzaInfo();
        JsonNode db = newestDatabase(stanza);
        Optional<SourceCatalog.Cluster> cluster = Optional.ofNullable(db)
                .map(d -> new SourceCatalog.Cluster(d.path("system-id").asText(), d.path("version").asText()));
        List<SourceCatalog.Backup> backups = new ArrayList<>();
        for (JsonNode b : stanza.path("backup")) {
            if (db == null || b.path("database").path("id").asInt() == db.path("id").asInt()) {
                backups.add(backup(b));
            }
        }
        List<SourceCatalog.Timeline> timelines = new ArrayList<>();
        // pgBackRest's names say nothing of the segment size; runs are counted in names, which any size keeps
        segmentsByTimeline(stanza).forEach((tl, segs) -> timelines.add(new SourceCatalog.Timeline(tl,
                SegmentRuns.of(segs.keySet(), 16 * 1024 * 1024))));
        return new SourceCatalog(cluster, backups, timelines);
    }

    /** {@code pgbackrest info} for the stanza, refused with its own message when pgBackRest reports a problem. */
    private JsonNode stanzaInfo() {
        JsonNode all = pgbackrest.json(pgbackrest.run("info", "--output=json"), "info");
        JsonNode stanza = all.isArray() && all.size() > 0 ? all.get(0) : all;
        JsonNode status = stanza.path("status");
        int code = status.path("code").asInt(0);
        if (code == MISSING_STANZA) {
            throw PitrException.usage("pgBackRest has no stanza '" + url.stanza() + "' in " + configName() + " ("
                    + status.path("message").asText() + "): check the stanza in " + url + " and pgbackrest-config");
        }
        if (code != 0 && stanza.path("backup").isEmpty() && stanza.path("archive").isEmpty()) {
            throw new PitrException(ExitCode.IO_FAILURE, "pgBackRest reports stanza '" + url.stanza() + "' as: "
                    + status.path("message").asText() + " (pgbackrest info, " + configName() + ")");
        }
        return stanza;
    }

    private static JsonNode newestDatabase(JsonNode stanza) {
        JsonNode newest = null;
        for (JsonNode d : stanza.path("db")) {
            if (newest == null || d.path("id").asInt() > newest.path("id").asInt()) {
                newest = d;
            }
        }
        return newest;
    }

    private static SourceCatalog.Backup backup(JsonNode b) {
        SourceCatalog.Span span = new SourceCatalog.Span(Lsn.parse(b.path("lsn").path("start").asText()),
                Lsn.parse(b.path("lsn").path("stop").asText()),
                Instant.ofEpochSecond(b.path("timestamp").path("start").asLong()),
                Instant.ofEpochSecond(b.path("timestamp").path("stop").asLong()));
        return new SourceCatalog.Backup(b.path("label").asText(), b.path("type").asText(), span,
                segment(b.path("archive").path("start").asText()), segment(b.path("archive").path("stop").asText()),
                b.path("info").path("size").asLong());
    }

    /** The segments of one archive id ({@code 15-1}), from one recursive listing, per timeline, with their times. */
    private TreeMap<Integer, TreeMap<WalSegmentName, Instant>> listing(String archiveId) {
        JsonNode listing = pgbackrest.json(pgbackrest.run("repo-ls", "--recurse", "--output=json",
                "archive/" + url.stanza() + "/" + archiveId), "repo-ls");
        TreeMap<Integer, TreeMap<WalSegmentName, Instant>> byTimeline = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = listing.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey().substring(e.getKey().lastIndexOf('/') + 1);
            // a segment is stored as NAME-SHA1[.EXT]; '.partial', '.backup' and '.history' files are not segments
            if ("file".equals(e.getValue().path("type").asText()) && name.length() > WalSegmentName.LENGTH
                    && name.charAt(WalSegmentName.LENGTH) == '-') {
                Instant stored = Instant.ofEpochSecond(e.getValue().path("time").asLong());
                WalSegmentName.parse(name.substring(0, WalSegmentName.LENGTH)).ifPresent(s ->
                        byTimeline.computeIfAbsent(s.timeline(), t -> new TreeMap<>()).put(s, stored));
            }
        }
        return byTimeline;
    }

    /** The archive ids of the current database (after a major upgrade, older ids hold the old cluster's WAL). */
    private List<String> archiveIds(JsonNode stanza) {
        JsonNode db = newestDatabase(stanza);
        List<String> ids = new ArrayList<>();
        for (JsonNode a : stanza.path("archive")) {
            if (db == null || a.path("database").path("id").asInt() == db.path("id").asInt()) {
                ids.add(a.path("id").asText());
            }
        }
        return ids;
    }

    /** All of the current database's segments, per timeline. */
    private TreeMap<Integer, TreeMap<WalSegmentName, Instant>> segmentsByTimeline(JsonNode stanza) {
        TreeMap<Integer, TreeMap<WalSegmentName, Instant>> all = new TreeMap<>();
        for (String id : archiveIds(stanza)) {
            listing(id).forEach((tl, segs) -> all.computeIfAbsent(tl, t -> new TreeMap<>()).putAll(segs));
        }
        return all;
    }

    @Override
    public WalSource wal() {
        return new ListedWal(url.toString(), () -> segmentsByTimeline(stanzaInfo()),
                ProcessRunner::giveToServerUser, // pgbackrest runs as the server user and writes there
                (name, dest) -> pgbackrest.run("archive-get", name, dest.toString()));
    }

    private static WalSegmentName segment(String name) {
        return WalSegmentName.parse(name).orElseThrow(() -> new PitrException(ExitCode.IO_FAILURE,
                "pgBackRest reported '" + name + "' where a WAL segment name belongs"));
    }

    private String configName() {
        return config.map(Path::toString).orElse(DEFAULT_CONFIG + " (pgBackRest's default)");
    }
}
