package dev.pitr.cli;

import dev.pitr.core.ExitCode;
import dev.pitr.pg.PgConnection;
import dev.pitr.verify.Check;
import dev.pitr.verify.CheckResult;
import dev.pitr.verify.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Run checks against a restored copy (paused or promoted).",
                "Each check prints pass/fail with the value seen; exit 3 when any fails."})
final class VerifyCommand extends BaseCommand {
    @Option(names = "--port", required = true, description = "port of the restored copy")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "host of the restored copy (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--database", defaultValue = "postgres", description = "database to check (default ${DEFAULT-VALUE})")
    String database;

    @Option(names = "--checks", paramLabel = "FILE", description = "checks file (YAML)")
    Path checksFile;

    @Option(names = "--check", paramLabel = "SQL", description = "a query that must return true")
    List<String> sql = new ArrayList<>();

    @Option(names = "--amcheck", description = "amcheck every B-tree index (installs the extension on the copy only)")
    boolean amcheck;

    @Override
    int execute(Session session) {
        List<Check> checks = checks(session, checksFile, sql, amcheck);
        List<CheckResult> results = new Verifier(new PgConnection(host, port, session.settings().user(), database)).run(checks);
        Output out = session.output();
        if (out.json()) {
            out.printJson(results);
        } else {
            results.forEach(r -> out.println(r.line()));
        }
        return results.stream().allMatch(CheckResult::passed) ? 0 : ExitCode.VERIFICATION_FAILED.code();
    }

    static List<Check> checks(Session session, Path file, List<String> sql, boolean amcheck) {
        List<Check> checks = new ArrayList<>();
        if (file != null) {
            checks.addAll(Verifier.load(session.resolve(file)));
        }
        sql.forEach(q -> checks.add(Check.queryIsTrue(q)));
        if (amcheck) {
            checks.add(Check.amcheckAll());
        }
        if (checks.isEmpty()) {
            throw dev.pitr.core.PitrException.usage("nothing to check: pass --checks FILE, --check SQL or --amcheck");
        }
        return checks;
    }
}
