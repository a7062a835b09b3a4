package dev.pitr.it;

import dev.pitr.testkit.S3rver;

/** The encrypted-repository scenario on s3rver, the second, independent S3 implementation. */
class EncryptedS3rverRepositoryIT extends EncryptedRepositoryScenario {
    @Override
    Store newStore() {
        return s3Store(S3rver.shared().endpoint(), S3rver.shared().newBucket());
    }
}
