package dev.pitr.testkit;

import dev.pitr.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs pitr in-process with a given environment and captures what it prints. */
public final class Cli {
    public record Run(int exitCode, String stdout, String stderr) {
        public List<String> stderrLines() {
            return stderr.lines().toList();
        }
    }

    private final Map<String, String> env;
    private final Path cwd;

    public Cli(Map<String, String> env, Path cwd) {
        this.env = new HashMap<>(env);
        this.env.putIfAbsent("PITR_AUDIT_LOG", cwd.resolve("audit.jsonl").toString());
        this.cwd = cwd;
    }

    /** Everything every run printed, so a test can check that no secret ever appeared. */
    public Path transcript() {
        return cwd.resolve("transcript.log");
    }

    public Cli with(String key, String value) {
        Cli c = new Cli(env, cwd);
        c.env.put(key, value);
        return c;
    }

    public Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env, cwd);
        try {
            java.nio.file.Files.writeString(transcript(), "$ pitr " + String.join(" ", args) + "\n" + out + err,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (List.of(args).contains("--json")) {
            JsonStyle.check(String.join(" ", args), out.toString());
        }
        return new Run(code, out.toString(), err.toString());
    }
}
