package dev.pitr.repo;

import dev.pitr.testkit.EmbeddedS3;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The contract against a real S3 protocol server (S3Proxy on loopback). */
class S3RepositoryTest extends RepositoryContract {
    private static S3Settings settings() {
        return new S3Settings(Optional.of(EmbeddedS3.shared().endpoint()), "us-east-1", true, 3);
    }

    @Override
    protected Repository newRepository() {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        return Repositories.open("s3://" + s3.newBucket() + "/some/prefix", settings());
    }

    @Test
    void keysLiveBelowThePrefix() {
        repo.put("pitr.json", new byte[]{1});
        String bucket = repo.url().substring("s3://".length(), repo.url().indexOf("/some"));
        try (Repository root = Repositories.open("s3://" + bucket, settings())) {
            assertThat(root.list("")).extracting(ObjectInfo::key).containsExactly("some/prefix/pitr.json");
        }
    }

    @Test
    void missingBucketAndDeadEndpointAreClearErrors() {
        try (Repository nobucket = Repositories.open("s3://no-such-bucket-here/x", settings())) {
            assertThatThrownBy(() -> nobucket.put("k", new byte[]{1})).isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("bucket 'no-such-bucket-here' does not exist");
        }
        S3Settings dead = new S3Settings(Optional.of(URI.create("http://127.0.0.1:1")), "us-east-1", true, 2);
        try (Repository unreachable = Repositories.open("s3://bucket/x", dead)) {
            assertThatThrownBy(() -> unreachable.head("k")).isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("cannot reach S3 s3://bucket/x at http://127.0.0.1:1");
        }
    }
}
