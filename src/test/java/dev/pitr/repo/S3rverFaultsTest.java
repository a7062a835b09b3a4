package dev.pitr.repo;

import dev.pitr.testkit.S3rver;

/** The same faults, injected in front of a second, independent S3 implementation (s3rver). */
class S3rverFaultsTest extends S3FaultsTest {
    @Override
    protected java.net.URI storeEndpoint() {
        return S3rver.shared().endpoint();
    }

    @Override
    protected String newStoreBucket() {
        return S3rver.shared().newBucket();
    }
}
