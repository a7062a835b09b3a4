package dev.pitr.cli;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.pg.PgConnection;
import dev.pitr.salvage.MergeService;
import dev.pitr.target.sql.DestructiveStatement.QualifiedName;
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

    @Option(names = "--with-dependants", description = "also recreate the views and foreign keys that depended on the"
            + " table in the copy and are missing live (a DROP ... CASCADE took them)")
    boolean withDependants;

    @Option(names = "--merge", description = "put the restored rows back into the live table that still exists: rows"
            + " missing there are inserted, rows written since are never touched (the undo of DELETE, UPDATE, TRUNCATE)")
    boolean merge;

    @Option(names = "--key", paramLabel = "COL[,COL]", split = ",", description = "with --merge: the unique key rows"
            + " are matched by (default: the primary key)")
    java.util.List<String> key = new java.util.ArrayList<>();

    @Option(names = "--overwrite", description = "with --merge: also update live rows that differ from the restored ones")
    boolean overwrite;

    @Option(names = "--dry-run", description = "with --merge: count and show a sample, change nothing")
    boolean dryRun;

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
        if (merge) {
            return merge(session, name, database);
        }
        if (!key.isEmpty() || overwrite || dryRun) {
            throw PitrException.usage("--key, --overwrite and --dry-run go with --merge");
        }
        session.confirm("copy table " + name + " from the restored copy on port " + fromPort + " into the live database"
                + (originalName ? " under its original name" : ""));
        SalvageService.Result r = service.salvage(new SalvageService.Request(from, live, name, Optional.ofNullable(as),
                originalName && as == null, withDependants));
        auditDetail = Optional.of("salvaged " + r.sourceTable() + " as " + r.targetTable() + ": " + r.sourceRows()
                + " rows in the restored copy, " + r.targetRows() + " in the live database");
        Output out = session.output();
        if (out.json()) {
            out.printJson(r);
        } else {
            out.println("salvaged " + r.sourceTable() + " (" + r.sourceRows() + " rows in the restored copy) into "
                    + r.targetTable() + " (" + r.targetRows() + " rows in the live database: " + r.liveIdentity() + ")");
            if (!r.dependants().isEmpty()) {
                out.println(r.dependantsRecreated() ? "recreated with it: " + String.join(", ", r.dependants())
                        : "missing in the live database, depending on it: " + String.join(", ", r.dependants())
                        + " (pass --with-dependants to recreate them)");
            }
        }
        return r.sourceRows() == r.targetRows() ? 0 : ExitCode.VERIFICATION_FAILED.code();
    }

    private int merge(Session session, QualifiedName name, String database) {
        if (as != null || originalName) {
            throw PitrException.usage("--merge puts rows into the live table itself: drop --as/--original-name");
        }
        var s = session.settings();
        PgConnection defaults = new PgConnection(s.host(), s.port(), s.user(), database);
        PgConnection liveDb = into == null ? defaults : PgConnection.parse(into, defaults);
        PgConnection copy = new PgConnection("127.0.0.1", fromPort, s.user(), database);
        if (!dryRun) {
            session.confirm("merge the restored rows of " + name + " into the live table" + (overwrite
                    ? ", overwriting live rows that differ" : ""));
        }
        var r = new MergeService(session.output()::progress).merge(new MergeService
                .Request(copy, liveDb, name, key, overwrite, dryRun));
        auditDetail = Optional.of(r.summary());
        Output out = session.output();
        if (out.json()) {
            out.printJson(r);
        } else {
            out.println(r.summary());
            if (!r.sampleInserted().isEmpty()) {
                out.println("  missing in the live table (" + String.join(",", r.key()) + "): " + String.join("; ",
                        r.sampleInserted()) + (r.inserted() > r.sampleInserted().size() ? "; ..." : ""));
            }
            if (!r.sampleDiffering().isEmpty()) {
                out.println("  differ: " + String.join("; ", r.sampleDiffering())
                        + (r.differing() > r.sampleDiffering().size() ? "; ..." : ""));
            }
            if (!r.notRestored().isEmpty()) {
                out.println("  columns only in the restored copy, not merged: " + r.notRestored());
            }
        }
        return 0;
    }
}
