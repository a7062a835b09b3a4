package dev.pitr.config;

import java.nio.file.Path;

/**
 * Where a repository's encryption key comes from: never a flag, never printed. {@link #describe()} names the
 * source for messages without the secret.
 */
public sealed interface KeySource {
    String describe();

    /** A file holding the key (its first line); warned about when others can read it. */
    record File(Path path) implements KeySource {
        @Override
        public String describe() {
            return "encryption-key-file " + path;
        }
    }

    /** A command whose standard output is the key (Vault, a cloud KMS CLI, pass), run without a terminal. */
    record Command(String command) implements KeySource {
        @Override
        public String describe() {
            return "encryption-key-command '" + command + "'";
        }
    }

    /** The key itself in an environment variable. */
    record Variable(String name, String value) implements KeySource {
        @Override
        public String describe() {
            return name;
        }

        @Override
        public String toString() {
            return "Variable[" + name + "]"; // never the value
        }
    }
}
