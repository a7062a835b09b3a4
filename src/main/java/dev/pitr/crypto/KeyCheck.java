package dev.pitr.crypto;

import dev.pitr.config.KeySource;
import dev.pitr.core.PitrException;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code pitr check}'s encryption finding: whether the repository is encrypted, whether the configured key is one
 * of its keys, and whether the server user (archive_command, restore_command) can get the key too.
 */
public final class KeyCheck {
    public enum Severity { OK, WARN, FAIL }

    /** One finding: what was seen, what to set, and why it matters. */
    public record Verdict(Severity severity, String value, String fix, String why) {
    }

    private KeyCheck() {
    }

    public static Verdict run(Repository raw, Optional<KeySource> key) {
        Encryption.Status status;
        try {
            status = Encryption.status(raw);
        } catch (PitrException e) {
            return new Verdict(Severity.FAIL, "keyring unreadable", "check the repository", e.getMessage());
        }
        if (!status.encrypted()) {
            if (key.isEmpty()) {
                return new Verdict(Severity.OK, "not encrypted", "", "objects are stored as written; a new repository"
                        + " with encryption-key-file is encrypted from its first object (see README, Encryption)");
            }
            boolean empty = raw.head(RepositoryLayout.IDENTITY).isEmpty() && raw.listChildren(RepositoryLayout.WAL).isEmpty();
            return empty ? new Verdict(Severity.OK, "encrypted from the first write (" + key.get().describe() + ")", "",
                    "the first push or backup creates the keyring")
                    : new Verdict(Severity.FAIL, "plain repository, but " + key.get().describe() + " is set",
                    "remove the key setting, or archive into a new repository", "pitr never mixes plain and encrypted objects");
        }
        if (key.isEmpty()) {
            return new Verdict(Severity.FAIL, "encrypted, no key configured", "encryption-key-file: FILE (or"
                    + " encryption-key-command)", "nothing in the repository can be read or written without its key");
        }
        String keys = "encrypted, key " + status.currentKeyId().orElse("?");
        try {
            new UnlockedKeys(new KeyringStore(raw), Encryption.once(key.get(), w -> { })).unlockExisting();
        } catch (PitrException e) {
            return new Verdict(Severity.FAIL, keys, "give the repository's current key", e.getMessage());
        }
        return reachableByServer(key.get()).map(problem -> new Verdict(Severity.FAIL, keys + "; the server user"
                        + " cannot get the key", problem, "archive_command and restore_command run as the server user"))
                .orElseGet(() -> key.get() instanceof KeySource.Variable v
                        ? new Verdict(Severity.WARN, keys + " (from " + v.name() + ")", "encryption-key-file: FILE",
                        "the server's archive_command sees " + v.name() + " only if the server's environment has it")
                        : new Verdict(Severity.OK, keys + " (" + key.get().describe() + ")", "",
                        "this key opens the repository, and the server user can get it"));
    }

    /** Why the server user cannot get the key, if it cannot (only asked when pitr runs as root). */
    private static Optional<String> reachableByServer(KeySource key) {
        if (!ProcessRunner.runningAsRoot()) {
            return Optional.empty();
        }
        if (key instanceof KeySource.File f) {
            ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.asServerUser(List.of("test", "-r",
                    f.path().toString())), Map.of(), Duration.ofSeconds(30));
            return r.ok() ? Optional.empty() : Optional.of("chown " + ProcessRunner.SERVER_USER + " " + f.path()
                    + " && chmod 600 " + f.path());
        }
        if (key instanceof KeySource.Command c) {
            ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.asServerUser(List.of("/bin/sh", "-c",
                    c.command())), Map.of(), Duration.ofSeconds(60));
            return r.ok() && !r.stdout().isBlank() ? Optional.empty() : Optional.of("make '" + c.command()
                    + "' work for " + ProcessRunner.SERVER_USER + " (exit " + r.exitCode() + ")");
        }
        return Optional.empty();
    }
}
