package dev.pitr.cli;

import dev.pitr.core.PitrException;
import dev.pitr.wal.ArchiveSpool;
import dev.pitr.wal.AsyncArchiver;
import dev.pitr.wal.WalArchiver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/** The background pusher behind {@code wal push --async}; started by the first per-call run, not by users. */
@Command(name = "archive-pusher", hidden = true, mixinStandardHelpOptions = true,
        description = "Push every .ready WAL file in parallel and acknowledge each in the spool (wal push --async).")
final class WalArchivePusherCommand extends BaseCommand {
    @Override
    boolean writesRepository() {
        return true;
    }

    @Option(names = "--spool", paramLabel = "DIR", required = true)
    Path spool;

    @Option(names = "--pg-wal", paramLabel = "DIR", required = true, description = "the server's pg_wal directory")
    Path pgWal;

    @Option(names = "--process-max", paramLabel = "N", description = "parallel uploads (default: process-max, 4)")
    Integer processMax;

    @Option(names = "--idle-exit", paramLabel = "SECONDS", defaultValue = "30",
            description = "exit after this long with nothing to push (default: ${DEFAULT-VALUE})")
    int idleExitSeconds;

    @Override
    int execute(Session session) {
        session.quiet();
        ArchiveSpool archiveSpool = new ArchiveSpool(session.resolve(spool));
        try {
            var archiver = new WalArchiver(session.repository(), session.settings().compressLevel(),
                    session.output()::verbose);
            new AsyncArchiver(archiveSpool, session.output()::verbose).runPusher(session.resolve(pgWal), archiver,
                    processMax != null ? processMax : session.settings().processMax(), Duration.ofSeconds(idleExitSeconds));
            return 0;
        } catch (PitrException e) { // the per-call command reports it to PostgreSQL's log
            archiveSpool.failPusher(new ArchiveSpool.Failure(e.exitCode(), e.getMessage()));
            throw e;
        }
    }
}
