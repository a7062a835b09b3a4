package dev.pitr.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.core.Trees;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.SegmentRuns;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalListing;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A pgBackRest repository, read through the installed {@code pgbackrest} binary and its documented interfaces
 * ({@code info --output=json}, {@code repo-ls}), as the server user when pitr runs as root. Where the repository
 * is, how it is encrypted and how many there are stays pgBackRest's business: pitr passes the stanza and the
 * configuration file on and never writes.
 */
public final class PgBackRestSource implements ToolSource {
    /** pgBackRest's own default configuration file. */
    public static final Path DEFAULT_CONFIG = Path.of("/etc/pgbackrest/pgbackrest.conf");
    /** pgBackRest's status code for a stanza it has no repository path for. */
    private static final int MISSING_STANZA = 1;
    private static final int DEFAULT_SEGMENT_SIZE = 16 * 1024 * 1024;

    private final SourceUrl.PgBackRest url;
    private final Optional<Path> config;
    private final PeerTool pgbackrest;
    /** Listed once per source: the catalog, the plan and replay's fetch-ahead read the same listing. */
    private final ListedWal wal;

    /** {@code config}: the cluster's {@code pgbackrest-config:}, else PITR_PGBACKREST_CONFIG; empty: pgBackRest's default. */
    public PgBackRestSource(SourceUrl.PgBackRest url, Optional<Path> config) {
        this.url = url;
        this.config = config;
        List<String> leading = new ArrayList<>(List.of("--stanza=" + url.stanza()));
        config.ifPresent(c -> leading.add("--config=" + c));
        this.pgbackrest = new PeerTool("pgbackrest", "pgbackrest", "pgBackRest's repositories", leading, true, Map.of());
        this.wal = new ListedWal(url.toString(), () -> walListing(stanzaInfo()),
                ProcessRunner::giveToServerUser, // pgbackrest runs as the server user and writes there
                (name, dest) -> pgbackrest.run("archive-get", name, dest.toString()));
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
    public void probe() {
        stanzaInfo();
    }

    /**
     * pgBackRest's restore of one backup set, with no recovery settings of its own ({@code --type=none}), archiving
     * off, every tablespace mapped under {@code to.tablespaces()} and links restored as directories, so nothing is
     * written where the cluster lives. A directory this restore began to fill is finished with {@code --delta}.
     */
    @Override
    public void restoreBackup(String backupId, BackupDestination to) {
        List<String> args = new ArrayList<>(List.of("restore", "--set=" + backupId, "--type=none", "--archive-mode=off",
                "--pg1-path=" + to.pgdata(), "--tablespace-map-all=" + to.tablespaces(),
                "--process-max=" + to.processMax()));
        if (Files.exists(to.pgdata()) && !Trees.isEmptyDirectory(to.pgdata())) {
            args.add("--delta");
        }
        pgbackrest.run(args.toArray(String[]::new));
    }

    /**
     * {@code archive-get} with the copy's directory as pg1-path: pgBackRest refuses to serve a server whose data
     * directory is not the stanza's pg1-path (error 032), as its own restore to another directory also says.
     */
    @Override
    public String restoreCommand(Path pgdata) {
        return "pgbackrest --stanza=" + url.stanza() + config.map(c -> " --config=" + c).orElse("")
                + " --pg1-path=" + pgdata + " archive-get %f \"%p\"";
    }

    @Override
    public SourceCatalog catalog() {
        JsonNode stanza = stanzaInfo();
        JsonNode db = newestDatabase(stanza);
        List<SourceCatalog.Backup> backups = new ArrayList<>();
        for (JsonNode b : stanza.path("backup")) {
            if (db == null || b.path("database").path("id").asInt() == db.path("id").asInt()) {
                backups.add(backup(b));
            }
        }
        // pgBackRest does not report the segment size: a backup's start LSN and start segment together say it
        int segmentSize = backups.stream().map(b -> WalSegmentName.sizeFor(b.span().startLsn(), b.firstSegment()))
                .flatMap(Optional::stream).findFirst().orElse(DEFAULT_SEGMENT_SIZE);
        Optional<SourceCatalog.Cluster> cluster = Optional.ofNullable(db).map(d -> new SourceCatalog.Cluster(
                d.path("system-id").asText(), d.path("version").asText(), segmentSize));
        List<SourceCatalog.Timeline> timelines = new ArrayList<>();
        wal.all().segments().forEach((tl, segs) -> timelines.add(new SourceCatalog.Timeline(tl,
                SegmentRuns.of(segs.keySet(), segmentSize))));
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
                Instant.ofEpochSecond(b.path("timestamp").path("stop").asLong() + 1)); // to the second: rounded up
        return new SourceCatalog.Backup(b.path("label").asText(), b.path("type").asText(), span,
                segment(b.path("archive").path("start").asText()), segment(b.path("archive").path("stop").asText()),
                b.path("info").path("size").asLong());
    }

    /**
     * The segments and history files of one archive id ({@code 15-1}), from one recursive listing: a segment is
     * stored as NAME-SHA1[.EXT], a history file by its own name; '.partial' and '.backup' files are neither.
     */
    private void listing(String archiveId, Map<Integer, TreeMap<WalSegmentName, Instant>> segments,
                         Set<Integer> histories) {
        JsonNode listing = pgbackrest.json(pgbackrest.run("repo-ls", "--recurse", "--output=json",
                "archive/" + url.stanza() + "/" + archiveId), "repo-ls");
        for (Iterator<Map.Entry<String, JsonNode>> it = listing.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey().substring(e.getKey().lastIndexOf('/') + 1);
            if (!"file".equals(e.getValue().path("type").asText())) {
                continue;
            }
            Instant stored = Instant.ofEpochSecond(e.getValue().path("time").asLong());
            boolean segment = name.length() > WalSegmentName.LENGTH && name.charAt(WalSegmentName.LENGTH) == '-';
            WalFileName.parse(segment ? name.substring(0, WalSegmentName.LENGTH) : name)
                    .ifPresent(f -> WalListing.add(segments, histories, f, stored));
        }
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

    /** All of the current database's segments, per timeline, and its history files. */
    private WalListing walListing(JsonNode stanza) {
        TreeMap<Integer, TreeMap<WalSegmentName, Instant>> segments = new TreeMap<>();
        Set<Integer> histories = new HashSet<>();
        for (String id : archiveIds(stanza)) {
            listing(id, segments, histories);
        }
        return new WalListing(segments, histories);
    }

    @Override
    public WalSource wal() {
        return wal;
    }

    private static WalSegmentName segment(String name) {
        return WalSegmentName.parse(name).orElseThrow(() -> new PitrException(ExitCode.IO_FAILURE,
                "pgBackRest reported '" + name + "' where a WAL segment name belongs"));
    }

    private String configName() {
        return config.map(Path::toString).orElse(DEFAULT_CONFIG + " (pgBackRest's default)");
    }
}
