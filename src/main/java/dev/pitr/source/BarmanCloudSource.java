package dev.pitr.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.PitrException;
import dev.pitr.core.Trees;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.S3Settings;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.SegmentRuns;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalListing;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A Barman cloud archive on S3 ({@code barman-cloud+s3://BUCKET/PREFIX/SERVER}), read through Barman's own cloud
 * tools ({@code barman-cloud-backup-list --format json}, {@code barman-cloud-wal-restore}) with the endpoint and
 * credentials pitr's S3 settings give; the WAL is listed with one read-only LIST of {@code SERVER/wals/}, which no
 * Barman tool offers. pitr never writes it.
 */
public final class BarmanCloudSource implements ToolSource {
    /** Barman prints a backup's end time as ctime, in the zone of the machine that took it. */
    private static final Pattern COMPRESSED = Pattern.compile("\\.(gz|bz2|xz|snappy|zst|lz4)");
    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT);

    private final SourceUrl.BarmanCloud url;
    private final S3Settings s3;
    private final PeerTool barman;
    /** Listed once per source: the catalog, the plan and replay's fetch-ahead read the same listing. */
    private final ListedWal wal;

    public BarmanCloudSource(SourceUrl.BarmanCloud url, S3Settings s3) {
        this.url = url;
        this.s3 = s3;
        List<String> leading = new ArrayList<>();
        s3.endpoint().ifPresent(e -> leading.addAll(List.of("--endpoint-url", e.toString())));
        this.barman = new PeerTool("barman-cloud-backup-list", "barman-cli-cloud", "Barman's cloud archives", leading,
                false, Map.of("AWS_DEFAULT_REGION", s3.region()));
        this.wal = new ListedWal(url.toString(), this::walListing, dir -> { },
                (name, dest) -> barman.runProgram("barman-cloud-wal-restore", destination(), url.server(), name,
                        dest.toString()));
    }

    @Override
    public SourceKind kind() {
        return SourceKind.BARMAN_CLOUD;
    }

    @Override
    public String location() {
        return url.toString();
    }

    private String destination() {
        return "s3://" + url.bucket() + (url.prefix().isEmpty() ? "" : "/" + url.prefix());
    }

    @Override
    public Optional<String> archiveCommand() {
        return Optional.of("barman-cloud-wal-archive" + s3.endpoint().map(e -> " --endpoint-url " + e).orElse("") + " "
                + destination() + " " + url.server() + " %p");
    }

    @Override
    public void probe() {
        backupList();
    }

    private JsonNode backupList() {
        return barman.json(barman.run("--format", "json", destination(), url.server()), "backup list");
    }

    /**
     * barman-cloud-restore of one backup, each tablespace into a directory of its own under {@code to.tablespaces()}
     * (by default Barman would restore them where the cluster keeps its own). Barman restores only into empty
     * directories: a restore begun before starts over.
     */
    @Override
    public void restoreBackup(String backupId, BackupDestination to) {
        List<String> args = new ArrayList<>(List.of(destination(), url.server(), backupId, to.pgdata().toString()));
        for (JsonNode b : backupList().path("backups_list")) {
            if (backupId.equals(b.path("backup_id").asText())) {
                for (JsonNode t : b.path("tablespaces")) { // [name, oid, location]
                    args.addAll(List.of("--tablespace", t.path(0).asText() + ":" + to.tablespaces().resolve(t.path(0)
                            .asText())));
                }
            }
        }
        try {
            Trees.empty(to.pgdata());
            Trees.empty(to.tablespaces());
        } catch (IOException e) {
            throw PitrException.io("cannot empty " + to.pgdata() + " for barman-cloud-restore: " + e.getMessage(), e);
        }
        barman.runProgram("barman-cloud-restore", args.toArray(String[]::new));
    }

    @Override
    public String restoreCommand(Path pgdata) {
        return "barman-cloud-wal-restore" + s3.endpoint().map(e -> " --endpoint-url " + e).orElse("") + " "
                + destination() + " " + url.server() + " %f %p";
    }

    @Override
    public SourceCatalog catalog() {
        JsonNode list = backupList();
        Optional<SourceCatalog.Cluster> cluster = Optional.empty();
        int segmentSize = 16 * 1024 * 1024;
        List<SourceCatalog.Backup> backups = new ArrayList<>();
        for (JsonNode b : list.path("backups_list")) {
            if (!"DONE".equals(b.path("status").asText())) {
                continue; // running or failed: nothing to restore from
            }
            int version = b.path("version").asInt();
            segmentSize = b.path("xlog_segment_size").asInt(segmentSize);
            cluster = Optional.of(new SourceCatalog.Cluster(b.path("systemid").asText(), version / 10000 + "."
                    + version % 10000, segmentSize));
            SourceCatalog.Span span = new SourceCatalog.Span(Lsn.parse(b.path("begin_xlog").asText()),
                    Lsn.parse(b.path("end_xlog").asText()), time(b.path("begin_time").asText()),
                    time(b.path("end_time").asText()));
            backups.add(new SourceCatalog.Backup(b.path("backup_id").asText(), "full", span,
                    segment(b.path("begin_wal").asText()), segment(b.path("end_wal").asText()), b.path("size").asLong(0)));
        }
        int size = segmentSize;
        List<SourceCatalog.Timeline> timelines = new ArrayList<>();
        wal.all().segments().forEach((tl, segs) -> timelines.add(new SourceCatalog.Timeline(tl,
                SegmentRuns.of(segs.keySet(), size))));
        return new SourceCatalog(cluster, backups, timelines);
    }

    /** {@code SERVER/wals/TTTTTTTTLLLLLLLL/NAME[.gz|.bz2|...]}, listed read-only with pitr's S3 client. */
    private WalListing walListing() {
        String prefix = (url.prefix().isEmpty() ? "" : url.prefix() + "/") + url.server();
        TreeMap<Integer, TreeMap<WalSegmentName, Instant>> out = new TreeMap<>();
        Set<Integer> histories = new HashSet<>();
        try (Repository bucket = Repositories.open("s3://" + url.bucket() + "/" + prefix, s3)) {
            for (ObjectInfo o : bucket.list("wals/")) {
                String name = o.key().substring(o.key().lastIndexOf('/') + 1);
                // a segment as it was, or compressed by barman-cloud-wal-archive; a history file; not .backup, .partial
                boolean segment = name.length() > WalSegmentName.LENGTH
                        && COMPRESSED.matcher(name.substring(WalSegmentName.LENGTH)).matches();
                WalFileName.parse(segment ? name.substring(0, WalSegmentName.LENGTH) : name)
                        .filter(f -> f instanceof WalFileName.Segment || f instanceof WalFileName.TimelineHistory)
                        .ifPresent(f -> WalListing.add(out, histories, f, o.lastModified()));
            }
        }
        return new WalListing(out, histories);
    }

    @Override
    public WalSource wal() {
        return wal;
    }

    private static Instant time(String ctime) {
        try {
            return LocalDateTime.parse(ctime, CTIME).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            throw PitrException.io("Barman printed a backup time pitr cannot read: '" + ctime + "'", e);
        }
    }

    private static WalSegmentName segment(String name) {
        return WalSegmentName.parse(name).orElseThrow(() -> PitrException.io("Barman reported '" + name
                + "' where a WAL segment name belongs", null));
    }
}
