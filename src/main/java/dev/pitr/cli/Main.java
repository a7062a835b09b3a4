package dev.pitr.cli;

import dev.pitr.core.Json;
import dev.pitr.core.Permissions;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
                            printError(commandLine.getOut(), pe.getMessage() + why, pe.exitCode().code(), null);
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
        cli.setParameterExceptionHandler((e, given) -> usageError(e, root.json || Arrays.asList(given).contains("--json")));
        listExitCodes(cli);
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The exit codes in --help (and the man page) come from the one enum scripts rely on, never a copy of it. */
    static void listExitCodes(CommandLine cli) {
        Map<String, String> codes = new LinkedHashMap<>();
        for (ExitCode c : ExitCode.values()) {
            codes.put(Integer.toString(c.code()), c.meaning());
        }
        cli.getCommandSpec().usageMessage().exitCodeList(codes);
    }

    /**
     * A flag or argument picocli cannot take: one line naming it, picocli's suggestions when it has some, and
     * where the full usage is, rather than 30-60 lines of it (exit 2). Under --json also a document on stdout.
     */
    static int usageError(CommandLine.ParameterException e, boolean json) {
        CommandLine failed = e.getCommandLine();
        PrintWriter err = failed.getErr();
        String what = e instanceof CommandLine.MissingParameterException
                ? requiredChoice(failed.getCommandSpec().argGroups()).map(c -> "missing: one of " + c).orElse(e.getMessage())
                : e.getMessage();
        String help = "see '" + failed.getCommandSpec().qualifiedName() + " --help'";
        err.println("pitr: " + what);
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("hint: " + help);
        if (json) {
            printError(failed.getOut(), what, ExitCode.USAGE.code(), help);
        }
        err.flush();
        failed.getOut().flush();
        return ExitCode.USAGE.code();
    }

    /** A failure as one JSON document on stdout, for scripts; {@code hint} may be null. */
    private static void printError(PrintWriter out, String error, int exit, String hint) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema_version", Json.SCHEMA_VERSION);
        doc.put("error", error);
        doc.put("exit", exit);
        if (hint != null) {
            doc.put("hint", hint);
        }
        try {
            out.println(Json.mapper().writeValueAsString(doc));
        } catch (IOException io) {
            throw new UncheckedIOException(io);
        }
    }

    /** The options of a required either-or group (a restore's target), named instead of picocli's whole synopsis. */
    private static Optional<String> requiredChoice(List<CommandLine.Model.ArgGroupSpec> groups) {
        for (CommandLine.Model.ArgGroupSpec g : groups) {
            if (g.exclusive() && g.multiplicity().min() > 0 && !g.options().isEmpty()) {
                return Optional.of(String.join(", ", g.options().stream().map(CommandLine.Model.OptionSpec::longestName)
                        .toList()));
            }
            Optional<String> nested = requiredChoice(g.subgroups());
            if (nested.isPresent()) {
                return nested;
            }
        }
        return Optional.empty();
    }
}
