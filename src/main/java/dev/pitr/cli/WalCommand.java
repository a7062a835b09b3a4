package dev.pitr.cli;

import picocli.CommandLine.Command;

@Command(name = "wal", description = "Archive and fetch WAL (archive_command / restore_command targets).",
        mixinStandardHelpOptions = true,
        subcommands = {WalPushCommand.class, WalFetchCommand.class, WalListCommand.class, WalVerifyCommand.class,
                WalArchivePusherCommand.class, WalPrefetcherCommand.class})
final class WalCommand {
}
