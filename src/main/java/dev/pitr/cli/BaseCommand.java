package dev.pitr.cli;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.safety.AuditLog;
import dev.pitr.source.Sources;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** Gives every subcommand its session; a command's own code only parses flags and calls a service. */
abstract class BaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    Session session() {
        PitrCommand root = (PitrCommand) spec.root().userObject();
        return root.session(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** The global flags this run was given (for a helper process). */
    java.util.List<String> inheritedArgs() {
        return ((PitrCommand) spec.root().userObject()).inheritedArgs();
    }

    /** Commands that write the repository: refused when it belongs to another tool (pgbackrest://, barman-cloud+s3://). */
    boolean writesRepository() {
        return false;
    }

    /** Destructive and restoring commands leave an audit record. */
    boolean audited() {
        return false;
    }

    @Override
    public final Integer call() throws Exception {
        try (Session session = session()) {
            if (writesRepository()) {
                session.settings().repo().ifPresent(url -> Sources.requireWritable(url, spec.qualifiedName()));
            }
            if (!audited()) {
                return execute(session);
            }
            int code = ExitCode.IO_FAILURE.code();
            String outcome = "failed";
            try {
                code = execute(session);
                outcome = (code == 0 ? "ok" : "exit " + code) + auditDetail.map(d -> ": " + d).orElse("");
                return code;
            } catch (PitrException e) {
                code = e.exitCode().code();
                outcome = e.getMessage();
                throw e;
            } finally {
                audit(session, code, outcome);
            }
        }
    }

    /** What the command did, in its audit record (a salvage's counts). */
    java.util.Optional<String> auditDetail = java.util.Optional.empty();

    /** An audit record now, before a command's irreversible part (a record at the end is lost with a kill -9). */
    void auditStart(Session session, String what) {
        audit(session, -1, "started: " + what);
    }

    private void audit(Session session, int code, String outcome) {
        var s = session.settings();
        var record = AuditLog.record(spec.commandLine().getParseResult() == null ? java.util.List.of()
                : originalArgs(), s.clusterName().orElse(""), s.environment(), session.env(), code, outcome);
        new AuditLog(session.repositoryForAudit(), AuditLog.defaultLocalFile(session.env()))
                .write(record).forEach(p -> session.output().verbose("audit: " + p));
    }

    private java.util.List<String> originalArgs() {
        picocli.CommandLine root = spec.root().commandLine();
        return root.getParseResult() == null ? java.util.List.of() : root.getParseResult().originalArgs();
    }

    abstract int execute(Session session) throws Exception;
}
