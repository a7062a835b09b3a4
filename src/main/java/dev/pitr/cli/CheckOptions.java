package dev.pitr.cli;

import dev.pitr.verify.Check;
import dev.pitr.verify.Verifier;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The check flags shared by 'verify' and 'drill'. */
final class CheckOptions {
    @Option(names = "--checks", paramLabel = "FILE", description = "checks file (YAML)")
    Path checksFile;

    @Option(names = "--check", paramLabel = "SQL", description = "a query that must return true")
    List<String> sql = new ArrayList<>();

    @Option(names = "--amcheck", description = "amcheck every B-tree index (installs the extension on the copy only)")
    boolean amcheck;

    @Option(names = "--database", paramLabel = "DB", description = "database the checks run in unless a check names its"
            + " own (default: the config's database, else postgres)")
    String database;

    String database(Session session) {
        return database != null ? database : session.settings().applicationDatabase();
    }

    boolean any() {
        return checksFile != null || !sql.isEmpty() || amcheck;
    }

    List<Check> checks(Session session) {
        List<Check> checks = new ArrayList<>();
        if (checksFile != null) {
            checks.addAll(Verifier.load(session.resolve(checksFile)));
        }
        sql.forEach(q -> checks.add(Check.queryIsTrue(q)));
        if (amcheck) {
            checks.add(Check.amcheckAll());
        }
        return checks;
    }
}
