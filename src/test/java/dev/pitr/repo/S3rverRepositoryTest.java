package dev.pitr.repo;

import dev.pitr.testkit.S3rver;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract against a second, independent S3 implementation (s3rver): what pitr stores is what the store
 * keeps, and put-if-absent never replaces an object, even on a store that ignores If-None-Match.
 */
class S3rverRepositoryTest extends RepositoryContract {
    static S3Settings settings() {
        return new S3Settings(Optional.of(S3rver.shared().endpoint()), "us-east-1", true, 3);
    }

    @Override
    protected Repository newRepository() {
        return Repositories.open("s3://" + S3rver.shared().newBucket() + "/some/prefix", settings());
    }

    @Test
    void theStoreKeepsTheBytesItWasSentNotAChunkedEncodingOfThem() throws Exception {
        String bucket = repo.url().substring("s3://".length(), repo.url().indexOf("/some"));
        byte[] content = "{\"format_version\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        repo.put("pitr.json", content);
        assertThat(S3rver.shared().storedBytes(bucket, "some/prefix/pitr.json")).isEqualTo(content);
        assertThat(repo.getBytes("pitr.json")).hasValue(content);
    }

    @Test
    void putIfAbsentNeverReplacesAnObjectOnAStoreThatIgnoresIfNoneMatch() {
        byte[] first = {1, 2, 3};
        assertThat(repo.putIfAbsent("wal/x", first)).isEqualTo(PutOutcome.CREATED);
        assertThat(repo.putIfAbsent("wal/x", new byte[]{9, 9})).isEqualTo(PutOutcome.ALREADY_EXISTS);
        assertThat(repo.getBytes("wal/x")).hasValue(first);
    }
}
