package dev.pitr.cli;

import dev.pitr.wal.WalPrefetcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/** The background prefetcher behind {@code wal fetch --async}; started by a restore_command call. */
@Command(name = "prefetcher", hidden = true, mixinStandardHelpOptions = true,
        description = "Keep the next WAL segments verified in the spool ahead of replay (wal fetch --async).")
final class WalPrefetcherCommand extends BaseCommand {
    @Option(names = "--spool", paramLabel = "DIR", required = true)
    Path spool;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "8")
    int queue;

    @Option(names = "--process-max", paramLabel = "N", defaultValue = "4")
    int processMax;

    @Option(names = "--idle-exit", paramLabel = "SECONDS", defaultValue = "30")
    int idleExitSeconds;

    @Override
    int execute(Session session) {
        session.quiet();
        new WalPrefetcher(session.repository()).followReplay(WalPrefetcher.Queue.in(session.resolve(spool)), queue,
                processMax, Duration.ofSeconds(idleExitSeconds));
        return 0;
    }
}
