package dev.pitr.cli;

import dev.pitr.core.Json;
import dev.pitr.core.Permissions;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/** Entry point. Every failure ends as one line on stderr and a documented exit code. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true), System.getenv(),
                Path.of("").toAbsolutePath());
        System.exit(code);
    }

    /** Runs pitr in-process; tests call this with their own streams and environment. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env, Path cwd) {
        PitrCommand root = new PitrCommand(env, cwd);
        CommandLine cli = new CommandLine(root);
        PitrCommand.register(cli, args);
        cli.setOut(out)
                .setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    PrintWriter w = commandLine.getErr();
                    String why = Permissions.explain(e).map(x -> " (" + x + ")").orElse("");
                    if (e instanceof PitrException pe) {
                        w.println("pitr: " + pe.getMessage() + why);
                        root.verboseCause(w, pe);
                        if (root.json) { // scripts reading stdout get the failure as a document too
                            java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>();
                            doc.put("error", pe.getMessage() + why);
                            doc.put("exit", pe.exitCode().code());
                            try {
                                commandLine.getOut().println(Json.mapper().writeValueAsString(doc));
                            } catch (java.io.IOException io) {
                                throw new UncheckedIOException(io);
                            }
                        }
                        return pe.exitCode().code();
                    }
                    if (e instanceof UncheckedIOException io) {
                        w.println("pitr: I/O error: " + io.getCause().getMessage() + why);
                        return ExitCode.IO_FAILURE.code();
                    }
                    w.println("pitr: unexpected error: " + e);
                    e.printStackTrace(w);
                    return ExitCode.IO_FAILURE.code();
                });
        // the exit codes in --help come from the one enum scripts rely on, never a copy of it
        java.util.Map<String, String> codes = new java.util.LinkedHashMap<>();
        for (ExitCode c : ExitCode.values()) {
            codes.put(Integer.toString(c.code()), c.meaning());
        }
        cli.getCommandSpec().usageMessage().exitCodeList(codes);
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }
}
