package dev.pitr.cli;

import dev.pitr.config.KeySource;
import dev.pitr.core.PitrException;
import dev.pitr.crypto.KeyRotation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

@Command(name = "repo", mixinStandardHelpOptions = true, description = "Manage pitr's own repository.",
        subcommands = RepoCommand.RotateKey.class)
final class RepoCommand {

    @Command(name = "rotate-key", mixinStandardHelpOptions = true,
            description = {"Make a new encryption key the repository's key and retire the current one.",
                    "Only the keyring is rewritten (every data key re-wrapped); no data object is.",
                    "The current key comes from the configuration as for every command; the new one from",
                    "--new-key-file, --new-key-command or PITR_NEW_ENCRYPTION_KEY. An interrupted rotation",
                    "is finished by running the same command again."})
    static final class RotateKey extends BaseCommand {
        @Option(names = "--new-key-file", paramLabel = "FILE", description = "file whose first line is the new key")
        Path newKeyFile;

        @Option(names = "--new-key-command", paramLabel = "CMD", description = "command that prints the new key")
        String newKeyCommand;

        @Override
        boolean writesRepository() {
            return true;
        }

        @Override
        boolean audited() {
            return true;
        }

        @Override
        int execute(Session session) {
            KeySource current = session.settings().encryptionKey().orElseThrow(() -> PitrException.usage(
                    "no encryption key configured: rotate-key needs the current key (encryption-key-file,"
                            + " encryption-key-command or PITR_ENCRYPTION_KEY)"));
            KeySource next = newKey(session);
            session.confirm("rotate the encryption key of " + session.rawRepository().url());
            auditStart(session, "rotating the encryption key of " + session.rawRepository().url());
            KeyRotation.Result result = new KeyRotation(session.rawRepository(), current, next,
                    session.output()::progress).run();
            Output out = session.output();
            if (out.json()) {
                out.printJson(result);
            } else {
                out.println("current key: " + result.currentKeyId() + "; retired: "
                        + (result.retiredKeyIds().isEmpty() ? "none" : String.join(", ", result.retiredKeyIds()))
                        + "; " + result.dataKeys() + " data key(s) re-wrapped");
                out.println("now give every pitr that uses this repository the new key (archive_command,"
                        + " restore_command, backups): the retired one is refused");
            }
            return 0;
        }

        private KeySource newKey(Session session) {
            if (newKeyFile != null && newKeyCommand != null) {
                throw PitrException.usage("--new-key-file and --new-key-command are both given: pass one");
            }
            Optional<KeySource> given = Optional.ofNullable(newKeyFile)
                    .<KeySource>map(f -> new KeySource.File(session.resolve(f)))
                    .or(() -> Optional.ofNullable(newKeyCommand).map(KeySource.Command::new))
                    .or(() -> Optional.ofNullable(session.env().get("PITR_NEW_ENCRYPTION_KEY")).filter(v -> !v.isBlank())
                            .map(v -> new KeySource.Variable("PITR_NEW_ENCRYPTION_KEY", v)));
            return given.orElseThrow(() -> PitrException.usage("no new key given: pass --new-key-file FILE or"
                    + " --new-key-command CMD, or set PITR_NEW_ENCRYPTION_KEY"));
        }
    }
}
