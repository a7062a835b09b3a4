package dev.pitr.cli;

import dev.pitr.core.ExitCode;
import dev.pitr.safety.Readiness;
import picocli.CommandLine.Command;

import java.util.List;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Is this cluster ready for an incident? Archiving, what the log will show, the repository and"
                + " the newest backup, each with the setting to change and why.", "Exit 3 when something would make"
                + " a restore or a target from the log fail."})
final class CheckCommand extends BaseCommand {
    @Override
    int execute(Session session) {
        List<Readiness.Finding> findings = new Readiness(session.settings().server(), session.repository()).check();
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
}
