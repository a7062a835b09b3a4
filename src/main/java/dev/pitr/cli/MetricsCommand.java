package dev.pitr.cli;

import dev.pitr.backup.Inventory;
import dev.pitr.core.AtomicFiles;
import dev.pitr.core.PitrException;
import dev.pitr.metrics.Exposition;
import dev.pitr.metrics.RepositoryMetrics;
import dev.pitr.source.Sources;
import dev.pitr.wal.ArchiveSpool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

@Command(name = "metrics", mixinStandardHelpOptions = true,
        description = {"The repository's health as Prometheus gauges: the newest archived WAL and backup, the"
                + " restorable window, missing segments, the pusher's failures.", "For node_exporter's textfile"
                + " collector (--textfile DIR/pitr.prom, from a timer) or a Pushgateway (stdout)."})
final class MetricsCommand extends BaseCommand {
    @Option(names = "--textfile", paramLabel = "FILE", description = "write here (atomically) instead of stdout;"
            + " the name must end in .prom")
    Path textfile;

    @Option(names = "--spool", paramLabel = "DIR", description = "the background pusher's spool whose failures to"
            + " count (default: the cluster's spool: setting)")
    Path spool;

    @Override
    int execute(Session session) {
        Optional<String> foreign = session.settings().repo().flatMap(Sources::foreignOwner).map(k -> k.tool());
        if (foreign.isPresent()) {
            throw PitrException.usage("pitr metrics reads pitr's own repositories; for " + foreign.get() + "'s use its"
                    + " own exporter, and 'pitr drill --metrics-file' for restores proven from it");
        }
        if (textfile != null && !textfile.getFileName().toString().endsWith(".prom")) {
            throw PitrException.usage("--textfile " + textfile + ": node_exporter's textfile collector reads only"
                    + " files ending in .prom; name it pitr.prom");
        }
        Inventory.Snapshot snap = new Inventory(session.repository(), InfoCommand.horizon(session)).snapshot();
        Optional<ArchiveSpool> pusher = Optional.ofNullable(spool).or(() -> session.settings().spool())
                .flatMap(ArchiveSpool::existing);
        Exposition metrics = RepositoryMetrics.of(snap, pusher, session.settings().clusterName().orElse("default"),
                session.repository().url());
        Output out = session.output();
        if (out.json()) {
            out.printJson(metrics.values());
        } else if (textfile == null) {
            out.println(metrics.text().stripTrailing());
        } else {
            try {
                AtomicFiles.write(textfile.toAbsolutePath(), metrics.text().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw PitrException.io("cannot write " + textfile + ": " + e.getMessage(), e);
            }
            out.progress("metrics written to " + textfile);
        }
        return 0;
    }
}
