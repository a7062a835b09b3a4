package dev.pitr.cli;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.wal.WalFetcher;
import dev.pitr.wal.WalPrefetcher;
import dev.pitr.wal.WalSegmentName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = {"Fetch one WAL file: restore_command = 'pitr wal fetch %%f %%p'.",
                "Exit 1 without a message when the repository does not have it.",
                "--async: restore_command = 'pitr wal fetch --async --spool DIR %%f %%p'.",
                "A background prefetcher keeps the next --queue segments verified in DIR;",
                "the launcher serves them without starting Java."})
final class WalFetchCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "WALNAME", description = "WAL file name (%%f)")
    String name;

    @Parameters(index = "1", paramLabel = "DEST", description = "where to write it (%%p)")
    Path destination;

    @Option(names = "--spool", paramLabel = "DIR", description = "prefetch spool to read first (default: PITR_SPOOL)")
    Path spool;

    @Option(names = "--async", description = "prefetch the following segments in the background")
    boolean async;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "8",
            description = "segments to keep ahead of replay with --async (default: ${DEFAULT-VALUE})")
    int queue;

    @Override
    int execute(Session session) {
        session.quiet();
        Optional<Path> spoolDir = Optional.ofNullable(spool).map(session::resolve).or(() -> session.settings().spool());
        if (!async) {
            boolean found = new WalFetcher(session.repository(), spoolDir, session.output()::verbose)
                    .fetch(name, session.resolve(destination));
            return found ? ExitCode.OK.code() : ExitCode.NOT_FOUND.code();
        }
        WalPrefetcher.Queue q = WalPrefetcher.Queue.in(spoolDir.orElseThrow(() -> PitrException.usage(
                "wal fetch --async needs a spool: pass --spool DIR (writable by the server user) or set PITR_SPOOL")));
        boolean found = new WalFetcher(session.repository(), Optional.of(q.dir()), session.output()::verbose)
                .fetch(name, session.resolve(destination));
        if (found && WalSegmentName.parse(name).isPresent()) {
            q.asked(name);
            if (!q.prefetcherRunning()) {
                Background.start(inheritedArgs(), List.of("wal", "prefetcher", "--spool", q.dir().getParent().toString(),
                        "--queue", Integer.toString(queue), "--process-max",
                        Integer.toString(session.settings().processMax())), q.dir().resolve("prefetcher.log"));
            }
        }
        return found ? ExitCode.OK.code() : ExitCode.NOT_FOUND.code();
    }

}
