package dev.pitr.cli;

import dev.pitr.repo.IdentityStore;
import dev.pitr.repo.RepositoryIdentity;
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
        int segmentSize = new IdentityStore(session.repository()).read().map(RepositoryIdentity::walSegmentSize)
                .orElse(16 * 1024 * 1024);
        WalCatalog.Listing listing = new WalCatalog(session.repository(), segmentSize).list(Optional.ofNullable(timeline));
        Output out = session.output();
        if (out.json()) {
            out.printJson(listing);
            return 0;
        }
        if (listing.timelines().isEmpty()) {
            out.println("no WAL archived in " + session.repository().url());
        }
        for (WalCatalog.TimelineWal t : listing.timelines()) {
            out.println(String.format(Locale.ROOT, "timeline %d: %d segments, %.1f MiB stored%s", t.timeline(), t.segments(),
                    t.storedBytes() / 1048576.0, t.historyFile() ? ", history file" : ""));
            for (WalCatalog.Range r : t.ranges()) {
                out.println("  " + r.first() + " .. " + r.last() + "  (" + r.count() + ")");
            }
            t.partials().forEach(p -> out.println("  partial " + p));
            t.backupFiles().forEach(b -> out.println("  backup label " + b));
            t.unrecognized().forEach(u -> out.println("  not a WAL object: " + u));
        }
        return 0;
    }
}
