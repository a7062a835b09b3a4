package dev.pitr.crypto;

import dev.pitr.config.KeySource;
import dev.pitr.core.PitrException;

import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A repository key's secret as read from its source: a passphrase or random bytes in base64. Never printed. */
public final class Secret {
    /** Shorter secrets are refused: a stretched key is only as strong as what it is stretched from. */
    public static final int MIN_LENGTH = 16;

    private final char[] chars;
    private final String source;
    /** Keys derived from this secret, by salt and iterations: stretching is slow on purpose, so once each. */
    private final Map<String, RepositoryKey> derived = new ConcurrentHashMap<>();

    Secret(char[] chars, String source) {
        if (chars.length < MIN_LENGTH) {
            throw PitrException.refused("the encryption key from " + source + " is " + chars.length
                    + " characters long: use at least " + MIN_LENGTH + " (e.g. 'openssl rand -base64 32')");
        }
        this.chars = chars;
        this.source = source;
    }

    static Secret of(String value, KeySource source) {
        return new Secret(value.toCharArray(), source.describe());
    }

    char[] chars() {
        return chars;
    }

    RepositoryKey derive(byte[] salt, int iterations) {
        return derived.computeIfAbsent(Base64.getEncoder().encodeToString(salt) + "/" + iterations,
                k -> RepositoryKey.derive(this, salt, iterations));
    }

    /** Where it came from, for messages. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "Secret[" + source + "]";
    }
}
