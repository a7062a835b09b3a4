package dev.pitr.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.PitrException;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.S3Settings;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.SegmentRuns;
import dev.pitr.wal.WalSegmentName;
import dev.pitr.wal.WalSource;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A Barman cloud archive on S3 ({@code barman-cloud+s3://BUCKET/PREFIX/SERVER}), read through Barman's own cloud
 * tools ({@code barman-cloud-backup-list --format json}, {@code barman-cloud-wal-restore}) with the endpoint and
 * credentials pitr's S3 settings give; the WAL is listed with one read-only LIST of {@code SERVER/wals/}, which no
 * Barman tool offers. pitr never writes it.
 */
public final class BarmanCloudSource implements BackupSource {
    /** Barman prints a backup's end time as ctime, in the zone of the machine that took it. */
    private static final Pattern COMPRESSED = Pattern.compile("\\.(gz|bz2|xz|snappy|zst|lz4)");
    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT);

    private final SourceUrl.BarmanCloud url;
    private final S3Settings s3;
    private final PeerTool barman;

    public BarmanCloudSource(SourceUrl.BarmanCloud url, S3Settings s3) {
        this.url = url;
        this.s3 = s3;
        List<String> leading = new ArrayList<>();
        s3.endpoint().ifPresent(e -> leading.addAll(List.of("--endpoint-url", e.toString())));
        this.barman = new PeerTool("barman-cloud-backup-list", "barman-cli-cloud", "Barman's cloud archives", leading,
                false, Map.of("AWS_DEFAULT_REGION", s3.region()));
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
    public SourceCatalog catalog() {
        JsonNode list = barman.json(barman.run("--format", "json", destination(), url.server()), "backup list");
        Optional<SourceCatalog.Cluster> cluster = Optional.empty();
        int segmentSize = 16 * 1024 * 1024;
        List<SourceCatalog.Backup> backups = new ArrayList<>();
        for (JsonNode b : list.path("backups_list")) {
            if (!"DONE".equals(b.path("status").asText())) {
                continue; // running or failed: nothing to restore from
            }
            int version = b.path("version").asInt();
            cluster = Optional.of(new SourceCatalog.Cluster(b.path("systemid").asText(), version / 10000 + "."
                    + version % 10000));
            segmentSize = b.path("xlog_segment_size").asInt(segmentSize);
            SourceCatalog.Span span = new SourceCatalog.Span(Lsn.parse(b.path("begin_xlog").asText()),
                    Lsn.parse(b.path("end_xlog").asText()), time(b.path("begin_time").asText()),
                    time(b.path("end_time").asText()));
            backups.add(new SourceCatalog.Backup(b.path("backup_id").asText(), "full", span,
                    segment(b.path("begin_wal").asText()), segment(b.path("end_wal").asText()), b.path("size").asLong(0)));
        }
        int size = segmentSize;
        List<SourceCatalog.Timeline> timelines = new ArrayList<>();
        segmentsByTimeline().forEach((tl, segs) -> timelines.add(new SourceCatalog.Timeline(tl,
                SegmentRuns.of(segs.keySet(), size))));
        return new SourceCatalog(cluster, backups, timelines);
    }

    /** {@code SERVER/wals/TTTTTTTTLLLLLLLL/NAME[.gz|.bz2|...]}, listed read-only with pitr's S3 client. */
    private TreeMap<Integer, TreeMap<WalSegmentName, Instant>> segmentsByTimeline() {
        String prefix = (url.prefix().isEmpty() ? "" : url.prefix() + "/") + url.server();
        TreeMap<Integer, TreeMap<WalSegmentName, Instant>> out = new TreeMap<>();
        try (Repository bucket = Repositories.open("s3://" + url.bucket() + "/" + prefix, s3)) {
            for (ObjectInfo o : bucket.list("wals/")) {
                String name = o.key().substring(o.key().lastIndexOf('/') + 1);
                // a segment as it was, or compressed by barman-cloud-wal-archive; not .backup, .partial, .history
                boolean segment = name.length() == WalSegmentName.LENGTH || name.length() > WalSegmentName.LENGTH
                        && COMPRESSED.matcher(name.substring(WalSegmentName.LENGTH)).matches();
                if (segment) {
                    WalSegmentName.parse(name.substring(0, WalSegmentName.LENGTH)).ifPresent(s ->
                            out.computeIfAbsent(s.timeline(), t -> new TreeMap<>()).put(s, o.lastModified()));
                }
            }
        }
        return out;
    }

    @Override
    public WalSource wal() {
        return new ListedWal(url.toString(), this::segmentsByTimeline, dir -> { },
                (name, dest) -> barman.runProgram("barman-cloud-wal-restore", destination(), url.server(), name,
                        dest.toString()));
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
