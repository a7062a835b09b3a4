package dev.pitr.crypto;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A repository key: the secret stretched with PBKDF2-HMAC-SHA256 and the key's own salt into an AES-256 key that
 * wraps data keys (AES-GCM). Its id is derived from it, so a wrong secret is told apart from a right one without
 * trying to open anything.
 */
final class RepositoryKey {
    static final String KDF = "pbkdf2-hmac-sha256";
    static final int ITERATIONS = 310_000;
    static final int SALT_LENGTH = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String id;
    private final SecretKeySpec key;

    private RepositoryKey(byte[] material) {
        this.key = new SecretKeySpec(material, "AES");
        this.id = HexFormat.of().formatHex(hmac(material, "pitr repository key id"), 0, 8);
    }

    static RepositoryKey derive(Secret secret, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(secret.chars(), salt, iterations, 256);
            try {
                return new RepositoryKey(SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec)
                        .getEncoded());
            } finally {
                spec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JVM", e);
        }
    }

    static byte[] newSalt() {
        byte[] salt = new byte[SALT_LENGTH];
        RANDOM.nextBytes(salt);
        return salt;
    }

    String id() {
        return id;
    }

    /** The data key encrypted under this key; the associated data binds it to both ids. */
    Wrapped wrap(DataKey dataKey) {
        byte[] nonce = new byte[12];
        RANDOM.nextBytes(nonce);
        try {
            return new Wrapped(nonce, cipher(Cipher.ENCRYPT_MODE, nonce, dataKey.id()).doFinal(dataKey.material()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot wrap a data key", e);
        }
    }

    /** Throws {@link GeneralSecurityException} when the wrap does not authenticate under this key. */
    DataKey unwrap(DataKeyId dataKeyId, Wrapped wrapped) throws GeneralSecurityException {
        return new DataKey(dataKeyId, cipher(Cipher.DECRYPT_MODE, wrapped.nonce(), dataKeyId).doFinal(wrapped.ciphertext()));
    }

    private Cipher cipher(int mode, byte[] nonce, DataKeyId dataKeyId) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, key, new GCMParameterSpec(128, nonce));
        c.updateAAD(("pitr data key " + dataKeyId.hex() + " under " + id).getBytes(StandardCharsets.UTF_8));
        return c;
    }

    private static byte[] hmac(byte[] key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is missing from this JVM", e);
        }
    }

    /** A wrapped data key: the nonce and the ciphertext with its tag. */
    record Wrapped(byte[] nonce, byte[] ciphertext) {
    }
}
