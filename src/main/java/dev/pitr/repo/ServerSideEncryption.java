package dev.pitr.repo;

import dev.pitr.core.PitrException;

import java.util.Optional;

/**
 * S3 server-side encryption asked for on every write (SSE-S3: {@code AES256}; SSE-KMS: {@code aws:kms} with an
 * optional key id), for those who want the store's encryption beside pitr's own. The store holds the keys.
 */
public record ServerSideEncryption(Optional<String> algorithm, Optional<String> kmsKeyId) {
    public static final ServerSideEncryption NONE = new ServerSideEncryption(Optional.empty(), Optional.empty());

    public ServerSideEncryption {
        algorithm.ifPresent(a -> {
            if (!a.equals("AES256") && !a.equals("aws:kms") && !a.equals("aws:kms:dsse")) {
                throw PitrException.usage("s3 server-side-encryption '" + a + "' is not one of AES256, aws:kms,"
                        + " aws:kms:dsse: fix 's3: server-side-encryption' (or PITR_S3_SSE)");
            }
        });
        if (kmsKeyId.isPresent() && !algorithm.map(a -> a.startsWith("aws:kms")).orElse(false)) {
            throw PitrException.usage("s3 sse-kms-key-id is set but server-side-encryption is not aws:kms: set both"
                    + " (or neither)");
        }
    }

    /** Under SSE-KMS the ETag is not the MD5 of the content; the store checks Content-MD5 on receipt instead. */
    boolean etagIsMd5() {
        return algorithm.map(a -> !a.startsWith("aws:kms")).orElse(true);
    }
}
