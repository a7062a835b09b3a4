package dev.pitr.cli;

import dev.pitr.repo.IdentityStore;
import dev.pitr.repo.RepositoryIdentity;
import dev.pitr.source.BackupSource;
import dev.pitr.source.PitrSource;
import dev.pitr.source.SourceCatalog;
import dev.pitr.wal.WalCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.Optional;

@Command(name = "list", mixinStandardHelpOptions = true, description = "List archived WAL per timeline.")
final class WalListCommand extends BaseCommand {
    @Option(names = "--timeline", paramLabel = "N", description = "only this timeline")
    Integer timeline;

    @Override
    int execute(Session session) {
        WalCatalog.Listing listing = listing(session);
        Output out = session.output();
        if (out.json()) {
            out.printJson(listing);
            return 0;
        }
        if (listing.timelines().isEmpty()) {
            out.println("no WAL archived in " + session.source().location());
        }
        for (WalCatalog.TimelineWal t : listing.timelines()) {
            out.println(String.format(Locale.ROOT, "timeline %d: %d segments%s%s", t.timeline(), t.segments(),
                    t.storedBytes().isPresent() ? String.format(Locale.ROOT, ", %.1f MiB stored",
                            t.storedBytes().getAsLong() / 1048576.0) : "", t.historyFile() ? ", history file" : ""));
            for (WalCatalog.Range r : t.ranges()) {
                out.println("  " + r.first() + " .. " + r.last() + "  (" + r.count() + ")");
            }
            t.partials().forEach(p -> out.println("  partial " + p));
            t.backupFiles().forEach(b -> out.println("  backup label " + b));
            t.unrecognized().forEach(u -> out.println("  not a WAL object: " + u));
        }
        return 0;
    }

    /** pitr's own archive object by object; another tool's by name, through the tool. */
    private WalCatalog.Listing listing(Session session) {
        Optional<Integer> only = Optional.ofNullable(timeline);
        if (session.source() instanceof PitrSource) {
            int segmentSize = new IdentityStore(session.repository()).read().map(RepositoryIdentity::walSegmentSize)
                    .orElse(16 * 1024 * 1024);
            return new WalCatalog(session.repository(), segmentSize).list(only);
        }
        BackupSource source = session.source();
        int segmentSize = source.catalog().cluster().map(SourceCatalog.Cluster::walSegmentSize).orElse(16 * 1024 * 1024);
        return WalCatalog.of(source.wal(), segmentSize, only);
    }
}
