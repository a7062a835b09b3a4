package dev.pitr.cli;

import picocli.CommandLine.Command;

import java.util.List;

@Command(name = "wal", description = "Archive and fetch WAL (archive_command / restore_command targets).",
        mixinStandardHelpOptions = true)
final class WalCommand {
    /**
     * Registered by {@link PitrCommand#register}, not in the annotation: archive_command and restore_command
     * run one of them per segment, and picocli would build the model of all six each time.
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(WalPushCommand.class, WalFetchCommand.class,
            WalListCommand.class, WalVerifyCommand.class, WalArchivePusherCommand.class, WalPrefetcherCommand.class);
}
