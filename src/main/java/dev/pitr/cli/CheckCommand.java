package dev.pitr.cli;

import dev.pitr.config.Settings;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.crypto.KeyCheck;
import dev.pitr.safety.Readiness;
import dev.pitr.source.BackupSource;
import dev.pitr.source.ToolSource;
import picocli.CommandLine.Command;

import java.nio.file.Path;
import java.util.List;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Is this cluster ready for an incident? Archiving, what the log will show, the repository and"
                + " the newest backup, each with the setting to change and why.", "Exit 3 when something would make"
                + " a restore or a target from the log fail."})
final class CheckCommand extends BaseCommand {
    @Override
    int execute(Session session) {
        BackupSource source = session.source();
        Readiness readiness = new Readiness(session.settings().server(), source,
                source.archiveCommand().orElseGet(() -> archiveCommand(session)));
        if (source instanceof ToolSource tool) {
            readiness.withRestoreCommand(tool::restoreCommand, session.env());
        } else {
            String restoreCommand = restoreCommand(session);
            readiness.withRestoreCommand(pgdata -> restoreCommand, session.env());
            readiness.withEncryption(() -> KeyCheck.run(session.rawRepository(), session.settings().encryptionKey()));
        }
        List<Readiness.Finding> findings = readiness.check();
        Output out = session.output();
        if (out.json()) {
            out.printJson(findings);
        } else {
            for (Readiness.Finding f : findings) {
                out.println(String.format("%-4s %-22s %s", f.level(), f.topic(), f.value()));
                if (!f.fix().isEmpty()) {
                    out.println("     set: " + f.fix());
                }
                out.println("     why: " + f.why());
            }
        }
        return findings.stream().anyMatch(f -> f.level() == Readiness.Level.FAIL)
                ? ExitCode.VERIFICATION_FAILED.code() : 0;
    }

    /**
     * The archive_command to paste for this cluster: this launcher, the same config (or repository), and the
     * background pusher with its spool (the configured one, else one per cluster under /var/spool/pitr).
     */
    static String archiveCommand(Session session) {
        Settings s = session.settings();
        Path spool = s.spool().orElse(Path.of("/var/spool/pitr", s.clusterName().orElse("pitr")));
        return launcherFor(s) + " wal push --async --spool " + spool.toAbsolutePath() + " %p";
    }

    /** The restore_command to paste into a standby or a restore made by hand: this launcher and configuration. */
    static String restoreCommand(Session session) {
        return launcherFor(session.settings()) + " wal fetch %f %p";
    }

    /** This launcher with the same config (or repository) and cluster. */
    private static String launcherFor(Settings s) {
        StringBuilder cmd = new StringBuilder(launcher());
        s.configFile().ifPresentOrElse(c -> cmd.append(" --config ").append(c.toAbsolutePath()),
                () -> s.repo().ifPresent(r -> cmd.append(" --repo ").append(r)));
        s.clusterName().ifPresent(c -> cmd.append(" --cluster ").append(c));
        return cmd.toString();
    }

    private static String launcher() {
        try {
            return Launcher.path().toString();
        } catch (PitrException notInstalled) {
            return "/usr/bin/pitr"; // where the package puts it
        }
    }
}
