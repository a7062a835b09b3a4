package dev.pitr.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Build time, for the man pages: every command's --help, as 'pitr CMD --help' prints it, into DIR/pitr-CMD.help
 * (pitr.help for the top level), from one JVM.
 */
@Command(name = "write-help", hidden = true)
final class WriteHelpCommand implements Runnable {
    @Parameters(paramLabel = "DIR")
    Path dir;

    @Override
    public void run() {
        CommandLine all = PitrCommand.everyCommand();
        try {
            Files.createDirectories(dir);
            write(all, "pitr");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(CommandLine cli, String name) throws IOException {
        Files.writeString(dir.resolve(name + ".help"), cli.getUsageMessage(CommandLine.Help.Ansi.OFF),
                StandardCharsets.UTF_8);
        for (Map.Entry<String, CommandLine> sub : cli.getSubcommands().entrySet()) {
            if (!sub.getValue().getCommandSpec().usageMessage().hidden()) {
                write(sub.getValue(), name + "-" + sub.getKey());
            }
        }
    }
}
