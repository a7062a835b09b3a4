package dev.pitr.cli;

import dev.pitr.wal.WalArchiver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Archive one WAL file: archive_command = 'pitr wal push %%p'.",
                "Exit 0 only once the file is stored; 0 again for an identical re-push; 4 for different content",
                "or WAL from another cluster."})
final class WalPushCommand extends BaseCommand {
    @Parameters(paramLabel = "WALFILE", description = "path of the WAL file (%%p)")
    Path file;

    @Override
    int execute(Session session) {
        session.quiet();
        var result = new WalArchiver(session.repository(), session.settings().compressLevel(),
                session.output()::verbose).push(session.resolve(file));
        if (session.output().json()) {
            session.output().printJson(result);
        }
        return 0;
    }
}
