package dev.pitr.repo;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * How to reach an S3 service. Credentials are deliberately absent: they come from the AWS SDK's default
 * provider chain (environment, profile, instance role) so that no secret is ever in pitr's config or output.
 * {@code timeout} bounds one socket read: a stalled connection is abandoned and retried after it.
 */
public record S3Settings(Optional<URI> endpoint, String region, boolean pathStyle, int maxAttempts, Duration timeout,
                         ServerSideEncryption sse) {
    public static final String DEFAULT_REGION = "us-east-1";
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public S3Settings(Optional<URI> endpoint, String region, boolean pathStyle, int maxAttempts) {
        this(endpoint, region, pathStyle, maxAttempts, DEFAULT_TIMEOUT, ServerSideEncryption.NONE);
    }

    public S3Settings(Optional<URI> endpoint, String region, boolean pathStyle, int maxAttempts, Duration timeout) {
        this(endpoint, region, pathStyle, maxAttempts, timeout, ServerSideEncryption.NONE);
    }

    public static S3Settings aws() {
        return new S3Settings(Optional.empty(), DEFAULT_REGION, false, DEFAULT_MAX_ATTEMPTS);
    }
}
