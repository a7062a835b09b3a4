package dev.pitr.cli;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.wal.ArchiveSpool;
import dev.pitr.wal.AsyncArchiver;
import dev.pitr.wal.WalArchiver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Archive one WAL file: archive_command = 'pitr wal push %%p'.",
                "Exit 0 only once the file is stored; 0 again for an identical re-push;",
                "4 for different content or WAL from another cluster.",
                "Busy primaries: archive_command = 'pitr wal push --async --spool DIR %%p'.",
                "A background pusher uploads every .ready segment in parallel and marks",
                "each in DIR once it is durable; the launcher answers those without Java."})
final class WalPushCommand extends BaseCommand {
    @Override
    boolean writesRepository() {
        return true;
    }

    @Parameters(paramLabel = "WALFILE", description = "path of the WAL file (%%p)")
    Path file;

    @Option(names = "--async", description = "push through the background pusher (config: archive-async)")
    boolean async;

    @Option(names = "--spool", paramLabel = "DIR",
            description = "spool for acknowledgements, writable by the server user (default: PITR_SPOOL)")
    Path spool;

    @Option(names = "--process-max", paramLabel = "N", description = "parallel uploads of the pusher (default: 4)")
    Integer processMax;

    @Option(names = "--archive-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "how long to wait for the pusher before failing this call (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(names = "--queue-max", paramLabel = "N", description = {"opt-in, off by default (config: archive-queue-max):"
            + " when the repository fails and"
            + " more than N segments wait in pg_wal, acknowledge this one without storing it (loudly), so pg_wal cannot",
            "fill the disk; the archive then has a gap"})
    Integer queueMax;

    @Override
    int execute(Session session) {
        session.quiet();
        Path walFile = session.resolve(file);
        try {
            return push(session, walFile);
        } catch (PitrException e) {
            Integer max = queueMax != null ? Integer.valueOf(queueMax)
                    : session.settings().archiveQueueMax().isPresent() ? session.settings().archiveQueueMax().getAsInt() : null;
            long waiting = max == null || e.exitCode() != ExitCode.IO_FAILURE ? -1 : readyCount(walFile);
            if (max == null || waiting <= max) {
                throw e;
            }
            // PostgreSQL logs what archive_command writes to stderr: the drop is in the server log
            session.output().progress("WARNING: " + walFile.getFileName() + " DROPPED without being archived: the"
                    + " repository fails (" + e.getMessage() + ") and " + waiting + " segments wait in pg_wal, more than"
                    + " the queue limit " + max + "; the archive has a gap here: take a new backup once it works again");
            return 0;
        }
    }

    /** Segments PostgreSQL still has to archive: the .ready files beside the one asked for. */
    private static long readyCount(Path walFile) {
        Path status = walFile.toAbsolutePath().getParent().resolve("archive_status");
        try (var files = java.nio.file.Files.list(status)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".ready")).count();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private int push(Session session, Path walFile) {
        if (async || session.settings().archiveAsync()) {
            if (AsyncArchiver.isMarkedReady(walFile)) {
                ArchiveSpool archiveSpool = new ArchiveSpool(spoolDir(session));
                new AsyncArchiver(archiveSpool, session.output()::verbose).awaitDurable(walFile,
                        () -> startPusher(session, archiveSpool, walFile.getParent()), Duration.ofSeconds(timeoutSeconds));
                return 0;
            }
            session.output().verbose(walFile + " is not marked .ready by PostgreSQL; pushing it directly");
        }
        var result = new WalArchiver(session.repository(), session.settings().compressLevel(),
                session.output()::verbose).push(walFile);
        if (session.output().json()) {
            session.output().printJson(result);
        }
        return 0;
    }

    private Path spoolDir(Session session) {
        return java.util.Optional.ofNullable(spool).map(session::resolve).or(() -> session.settings().spool())
                .orElseThrow(() -> PitrException.usage("wal push --async needs a spool: pass --spool DIR (a directory"
                        + " the server user can write, outside PGDATA) or set PITR_SPOOL"));
    }

    private void startPusher(Session session, ArchiveSpool archiveSpool, Path pgWal) {
        Background.start(inheritedArgs(), List.of("wal", "archive-pusher", "--spool",
                archiveSpool.dir().getParent().toString(), "--pg-wal", pgWal.toAbsolutePath().toString(),
                "--process-max", Integer.toString(processMax != null ? processMax : session.settings().processMax())),
                archiveSpool.log());
    }
}
