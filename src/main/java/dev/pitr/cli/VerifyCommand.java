package dev.pitr.cli;

import dev.pitr.core.PitrException;
import dev.pitr.core.ExitCode;
import dev.pitr.pg.PgConnection;
import dev.pitr.verify.Check;
import dev.pitr.verify.CheckResult;
import dev.pitr.verify.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Run checks against a restored copy (paused or promoted).",
                "Each check prints pass/fail with the value seen; exit 3 when any fails."})
final class VerifyCommand extends BaseCommand {
    @Option(names = "--port", required = true, description = "port of the restored copy")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "host of the restored copy (default ${DEFAULT-VALUE})")
    String host;

    @picocli.CommandLine.Mixin
    CheckOptions checkOptions;

    @Override
    int execute(Session session) {
        if (!checkOptions.any()) {
            throw PitrException.usage("nothing to check: pass --checks FILE, --check SQL or --amcheck");
        }
        List<Check> checks = checkOptions.checks(session);
        List<CheckResult> results = new Verifier(new PgConnection(host, port, session.settings().user(),
                checkOptions.database(session))).run(checks);
        Output out = session.output();
        if (out.json()) {
            out.printJson(results);
        } else {
            results.forEach(r -> out.println(r.line()));
        }
        return results.stream().allMatch(CheckResult::passed) ? 0 : ExitCode.VERIFICATION_FAILED.code();
    }

}
