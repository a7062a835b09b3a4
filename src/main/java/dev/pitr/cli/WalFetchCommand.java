package dev.pitr.cli;

import dev.pitr.core.ExitCode;
import dev.pitr.wal.WalFetcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Optional;

@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = {"Fetch one WAL file: restore_command = 'pitr wal fetch %%f %%p'.",
                "Exit 1 without a message when the repository does not have it."})
final class WalFetchCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "WALNAME", description = "WAL file name (%%f)")
    String name;

    @Parameters(index = "1", paramLabel = "DEST", description = "where to write it (%%p)")
    Path destination;

    @Option(names = "--spool", paramLabel = "DIR", description = "prefetch spool to read first (default: PITR_SPOOL)")
    Path spool;

    @Override
    int execute(Session session) {
        session.quiet();
        Optional<Path> spoolDir = Optional.ofNullable(spool).map(session::resolve).or(() -> session.settings().spool());
        boolean found = new WalFetcher(session.repository(), spoolDir, session.output()::verbose)
                .fetch(name, session.resolve(destination));
        return found ? ExitCode.OK.code() : ExitCode.NOT_FOUND.code();
    }
}
