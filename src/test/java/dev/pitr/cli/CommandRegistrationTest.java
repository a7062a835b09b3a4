package dev.pitr.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A per-segment command builds only its own model (archive_command runs one per segment), and everything else
 * still sees every command: help, a mistyped name, a group asked for without a subcommand.
 */
class CommandRegistrationTest {
    private static CommandLine registered(String... args) {
        CommandLine cli = new CommandLine(new PitrCommand(Map.of(), Path.of("")));
        PitrCommand.register(cli, args);
        return cli;
    }

    @Test
    void aPerSegmentCommandRegistersOnlyItsOwnBranch() {
        CommandLine cli = registered("--config", "/etc/pitr/wal", "wal", "push", "--async", "--spool", "/s", "pg_wal/x");
        assertThat(cli.getSubcommands()).containsOnlyKeys("wal");
        assertThat(cli.getSubcommands().get("wal").getSubcommands()).containsOnlyKeys("push");
        assertThat(registered("--repo", "file:///r", "wal", "archive-pusher", "--spool", "/s").getSubcommands()
                .get("wal").getSubcommands()).containsOnlyKeys("archive-pusher");
    }

    @Test
    void everyGroupBuildsOnlyTheSubcommandARunNames() {
        CommandLine restore = registered("--repo", "pgbackrest://main", "restore", "run", "--target-latest", "--pgdata", "/d");
        assertThat(restore.getSubcommands()).containsOnlyKeys("restore");
        assertThat(restore.getSubcommands().get("restore").getSubcommands()).containsOnlyKeys("run");
        assertThat(registered("backup", "list").getSubcommands().get("backup").getSubcommands()).containsOnlyKeys("list");
        assertThat(registered("restore").getSubcommands().get("restore").getSubcommands())
                .containsKeys("plan", "run", "resume", "status", "verify", "promote", "abort");
        assertThat(registered("backup", "--help").getSubcommands().get("backup").getSubcommands())
                .containsKeys("create", "list", "show", "verify");
    }

    @Test
    void helpAndUnknownNamesSeeEveryCommand() {
        assertThat(registered("--help").getSubcommands()).containsKeys("wal", "backup", "restore", "target", "check");
        assertThat(registered("wal").getSubcommands().get("wal").getSubcommands())
                .containsKeys("push", "fetch", "list", "verify", "archive-pusher", "prefetcher");
        assertThat(registered("wal", "pusj").getSubcommands().get("wal").getSubcommands()).hasSize(6);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[]{"wal", "pusj"}, new PrintWriter(out), new PrintWriter(err), Map.of(), Path.of(""));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("pusj").contains("push"); // picocli's suggestion needs the names
    }

    @Test
    void theCompletionScriptKnowsEveryCommandSubcommandAndOption() {
        StringWriter out = new StringWriter();
        int code = Main.run(new String[]{"completion"}, new PrintWriter(out), new PrintWriter(new StringWriter()), Map.of(),
                Path.of(""));
        assertThat(code).isZero();
        assertThat(out.toString()).startsWith("#!/usr/bin/env bash").contains("complete -F _complete_pitr")
                .contains("metrics").contains("rotate-key").contains("--target-from-log").contains("--textfile")
                .doesNotContain("train-cds");
    }
}
