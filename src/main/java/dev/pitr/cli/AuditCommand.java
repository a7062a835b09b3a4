package dev.pitr.cli;

import dev.pitr.safety.AuditLog;
import picocli.CommandLine.Command;

import java.util.Optional;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "List the audit trail: who ran which destructive or restoring command, where, and how it ended.")
final class AuditCommand extends BaseCommand {
    @Override
    int execute(Session session) {
        var records = new AuditLog(Optional.of(session.repository()), AuditLog.defaultLocalFile(session.env())).list();
        Output out = session.output();
        if (out.json()) {
            out.printJson(records);
            return 0;
        }
        for (AuditLog.Record r : records) {
            out.println(r.at() + "  " + r.osUser() + (r.sudoUser().isEmpty() ? "" : " (sudo " + r.sudoUser() + ")") + "@"
                    + r.host() + "  [" + r.environment() + "/" + r.cluster() + "]  exit " + r.exitCode() + "  " + r.command()
                    + ("ok".equals(r.outcome()) ? "" : "  -- " + r.outcome()));
        }
        return 0;
    }
}
