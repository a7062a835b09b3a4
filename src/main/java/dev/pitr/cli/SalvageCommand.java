package dev.pitr.cli;

import dev.pitr.logscan.DestructiveStatement.QualifiedName;
import dev.pitr.salvage.SalvageService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Optional;

@Command(name = "salvage", mixinStandardHelpOptions = true,
        description = {"Copy a table from a restored copy into the live database, keeping every later write there.",
                "By default under a new name (<name>_restored_<time>); never overwrites an existing table."})
final class SalvageCommand extends BaseCommand {
    @Option(names = "--from-port", required = true, description = "port of the restored copy (on 127.0.0.1)")
    int fromPort;

    @Option(names = "--table", required = true, paramLabel = "SCHEMA.NAME") String table;

    @Option(names = "--into", paramLabel = "CONNSTRING", description = "live database (default: the configured server)")
    String into;

    @Option(names = "--database", paramLabel = "DB", description = "database on both sides (default: the config's"
            + " database, else postgres)")
    String database;

    @Option(names = "--as", paramLabel = "NEW_NAME", description = "name of the copy in the live database")
    String as;

    @Option(names = "--original-name", description = "restore under the original name (only when it is free)")
    boolean originalName;

    @Override
    boolean audited() {
        return true;
    }

    @Override
    int execute(Session session) {
        var s = session.settings();
        String database = this.database != null ? this.database : s.applicationDatabase();
        String live = into != null ? into
                : "host=" + s.host() + " port=" + s.port() + " user=" + s.user() + " dbname=" + database;
        String from = "host=127.0.0.1 port=" + fromPort + " user=" + s.user() + " dbname=" + database;
        SalvageService service = new SalvageService(session.binaries(), session.output()::progress);
        session.announce();
        session.output().progress("live database: " + service.liveIdentity(live));
        QualifiedName name = QualifiedName.parse(table);
        session.confirm("copy table " + name + " from the restored copy on port " + fromPort + " into the live database"
                + (originalName ? " under its original name" : ""));
        SalvageService.Result r = service.salvage(new SalvageService.Request(from, live, name, Optional.ofNullable(as),
                originalName && as == null));
        Output out = session.output();
        if (out.json()) {
            out.printJson(r);
        } else {
            out.println("salvaged " + r.sourceTable() + " (" + r.sourceRows() + " rows in the restored copy) into "
                    + r.targetTable() + " (" + r.targetRows() + " rows in the live database: " + r.liveIdentity() + ")");
        }
        return r.sourceRows() == r.targetRows() ? 0 : dev.pitr.core.ExitCode.VERIFICATION_FAILED.code();
    }
}
