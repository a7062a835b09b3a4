package dev.pitr.it;

import dev.pitr.testkit.EmbeddedS3;

/** The encrypted-repository scenario on S3 (S3Proxy in-process). */
class EncryptedS3RepositoryIT extends EncryptedRepositoryScenario {
    @Override
    Store newStore() {
        return s3Store(EmbeddedS3.shared().endpoint(), EmbeddedS3.shared().newBucket());
    }
}
