package dev.pitr.repo;

import dev.pitr.testkit.FaultProxy;
import dev.pitr.testkit.S3rver;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    /**
     * SSE settings go on every write (plain PUT, conditional PUT, multipart create), and the store takes them.
     * (Against s3rver, which accepts the headers; S3Proxy answers 501 to them.)
     */
    @Test
    void serverSideEncryptionIsAskedForOnEveryWrite() throws Exception {
        try (FaultProxy proxy = new FaultProxy(S3rver.shared().endpoint(), FaultProxy.Plan.always(FaultProxy.Fault.NONE));
             Repository sse = Repositories.open("s3://" + S3rver.shared().newBucket() + "/sse", new S3Settings(
                     Optional.of(proxy.endpoint()), "us-east-1", true, 3, S3Settings.DEFAULT_TIMEOUT,
                     new ServerSideEncryption(Optional.of("AES256"), Optional.empty())))) {
            sse.put("a", new byte[]{1});
            sse.putIfAbsent("b", new byte[]{2});
            byte[] big = new byte[S3Repository.PART_SIZE + 10];
            sse.putStream("c", new java.io.ByteArrayInputStream(big));
            assertThat(sse.getBytes("c")).hasValue(big);
            assertThat(proxy.requestsWithHeader("x-amz-server-side-encryption"))
                    .anyMatch(r -> r.startsWith("PUT ") && r.contains("/sse/a") && r.endsWith(": AES256"))
                    .anyMatch(r -> r.startsWith("PUT ") && r.contains("/sse/b"))
                    .anyMatch(r -> r.startsWith("POST ") && r.contains("/sse/c?uploads"));
        }
        assertThatThrownBy(() -> new ServerSideEncryption(Optional.of("aes"), Optional.empty()))
                .hasMessageContaining("not one of AES256, aws:kms");
        assertThatThrownBy(() -> new ServerSideEncryption(Optional.of("AES256"), Optional.of("key-1")))
                .hasMessageContaining("sse-kms-key-id is set but");
    }
}
