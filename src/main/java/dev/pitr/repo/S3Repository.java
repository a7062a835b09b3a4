package dev.pitr.repo;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The S3 driver (AWS S3, MinIO, Ceph, S3Proxy): sync client on the Apache HTTP stack, standard retries with
 * backoff on 5xx, throttling and resets, multipart for large streams, {@code If-None-Match: *} for put-if-absent.
 */
public final class S3Repository implements Repository {
    /** S3's minimum part size is 5 MiB; 16 MiB keeps the part count of a 1 TB backup under the 10,000 limit. */
    static final int PART_SIZE = 16 * 1024 * 1024;

    private final RepositoryUrl.S3 location;
    private final S3Settings settings;
    private final S3Client s3;
    private final Consumer<String> verbose;

    public S3Repository(RepositoryUrl.S3 location, S3Settings settings) {
        this(location, settings, message -> { });
    }

    public S3Repository(RepositoryUrl.S3 location, S3Settings settings, Consumer<String> verbose) {
        this.location = location;
        this.settings = settings;
        this.verbose = verbose;
        this.s3 = buildClient(settings, verbose);
    }

    private static S3Client buildClient(S3Settings settings, Consumer<String> verbose) {
        AwsCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
        var builder = S3Client.builder()
                .httpClient(ApacheHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(settings.timeout())
                        .maxConnections(32)
                        .build())
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(settings.maxAttempts())
                        // a response cut short mid-XML is a transport failure, not a bad request: retry it too
                        .retryOnException(S3Repository::isTruncatedResponse)
                        .build())
                        .addExecutionInterceptor(new RetryReporter(verbose)));
        settings.endpoint().ifPresent(e -> builder.endpointOverride(e)
                // S3-compatibles (MinIO, Ceph, s3rver, ...) differ on the SDK's newer defaults: aws-chunked bodies
                // with trailing checksums are stored as sent by some. Send plain bodies, checksums only where the
                // API requires them, as tools that talk to S3-compatibles do.
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder()
                        .chunkedEncodingEnabled(false).build()));
        return builder.build();
    }

    private static boolean isTruncatedResponse(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException || String.valueOf(c.getMessage()).startsWith("Could not parse XML response")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String url() {
        return location.toString();
    }

    private String fullKey(String key) {
        return location.prefix().isEmpty() ? key : location.prefix() + "/" + key;
    }

    private String relativeKey(String fullKey) {
        return location.prefix().isEmpty() ? fullKey : fullKey.substring(location.prefix().length() + 1);
    }

    private String where() {
        return url() + settings.endpoint().map(e -> " at " + e).orElse("");
    }

    /** Runs one S3 call and turns SDK failures into a one-line, actionable repository error. */
    private <T> T call(String action, String key, Supplier<T> request) {
        try {
            return request.get();
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            if ("NoSuchBucket".equals(code)) {
                throw new RepositoryException("bucket '" + location.bucket() + "' does not exist" + where()
                        .substring(url().length()) + ": create it or fix the repository URL", e);
            }
            if (e.statusCode() == 403) {
                throw new RepositoryException("access denied to " + where() + " (" + code
                        + "): check the AWS credentials (AWS_ACCESS_KEY_ID/AWS_PROFILE) and the bucket policy", e);
            }
            throw new RepositoryException("S3 " + action + " of " + key + " in " + where() + " failed: HTTP "
                    + e.statusCode() + " " + code, e);
        } catch (SdkClientException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("Unable to load credentials")) {
                throw new RepositoryException("no AWS credentials found for " + where()
                        + ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE", e);
            }
            throw new RepositoryException("cannot reach S3 " + where() + " (" + action + " " + key + "): "
                    + firstLine(msg), e);
        } catch (SdkException e) {
            throw new RepositoryException("S3 " + action + " of " + key + " in " + where() + " failed: "
                    + firstLine(String.valueOf(e.getMessage())), e);
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static boolean isNotFound(S3Exception e) {
        return e.statusCode() == 404 && !(e.awsErrorDetails() != null
                && "NoSuchBucket".equals(e.awsErrorDetails().errorCode()));
    }

    @Override
    public Optional<InputStream> get(String key) {
        return open(key, 0, Optional.empty()).map(first -> new ResumingInputStream(key, first));
    }

    /** One GET from {@code offset}, pinned to {@code etag} when resuming (the object must not have changed). */
    private Optional<ResponseInputStream<GetObjectResponse>> open(String key, long offset, Optional<String> etag) {
        return call("GET", key, () -> {
            try {
                return Optional.of(s3.getObject(b -> {
                    b.bucket(location.bucket()).key(fullKey(key));
                    if (offset > 0) {
                        b.range("bytes=" + offset + "-");
                    }
                    etag.ifPresent(b::ifMatch);
                }));
            } catch (NoSuchKeyException e) {
                return Optional.empty();
            } catch (S3Exception e) {
                if (isNotFound(e)) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /**
     * A GET body that survives a connection reset or a truncated response: the SDK retries a request only until
     * its body starts, so a failure while reading re-opens the object from the current offset (same ETag) up to
     * {@code maxAttempts} times. A short body is never passed off as the whole object.
     */
    private final class ResumingInputStream extends dev.pitr.core.BlockInputStream {
        private final String key;
        private final long length;
        private final String etag;
        private ResponseInputStream<GetObjectResponse> in;
        private long position;
        private int resumes;

        ResumingInputStream(String key, ResponseInputStream<GetObjectResponse> first) {
            this.key = key;
            this.in = first;
            this.length = first.response().contentLength() == null ? -1 : first.response().contentLength();
            this.etag = first.response().eTag();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                try {
                    int n = in.read(b, off, len);
                    if (n < 0 && length >= 0 && position < length) {
                        throw new IOException("the response ended at byte " + position + " of " + length);
                    }
                    if (n > 0) {
                        position += n;
                    }
                    return n;
                } catch (IOException | SdkException e) {
                    resume(e);
                }
            }
        }

        private void resume(Exception cause) throws IOException {
            in.abort();
            if (++resumes >= settings.maxAttempts()) {
                throw new IOException("S3 GET of " + key + " in " + where() + " failed " + resumes + " times while"
                        + " reading; last: " + cause.getMessage(), cause);
            }
            verbose.accept("S3 GET " + key + ": " + cause.getMessage() + "; resuming at byte " + position + " (attempt "
                    + (resumes + 1) + " of " + settings.maxAttempts() + ")");
            in = open(key, position, Optional.ofNullable(etag)).orElseThrow(() ->
                    new IOException(key + " disappeared from " + where() + " while it was being read"));
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    @Override
    public Optional<byte[]> readRange(String key, long offset, int length) {
        if (length <= 0) {
            return head(key).map(h -> new byte[0]);
        }
        return call("GET", key, () -> {
            try {
                return Optional.of(s3.getObjectAsBytes(b -> b.bucket(location.bucket()).key(fullKey(key))
                        .range("bytes=" + offset + "-" + (offset + length - 1))).asByteArray());
            } catch (S3Exception e) {
                if (isNotFound(e)) {
                    return Optional.empty();
                }
                if (e.statusCode() == 416) {
                    return Optional.of(new byte[0]);
                }
                throw e;
            }
        });
    }

    @Override
    public void put(String key, byte[] content) {
        String md5 = md5(content);
        String etag = call("PUT", key, () -> s3.putObject(b -> sse(b.bucket(location.bucket()).key(fullKey(key)))
                .contentMD5(java.util.Base64.getEncoder().encodeToString(java.util.HexFormat.of().parseHex(md5))),
                RequestBody.fromBytes(content)).eTag());
        verifyStored(key, content, md5, etag);
    }

    /**
     * Creates the object only if the key is free. The key is looked at first, so a store that ignores
     * {@code If-None-Match} (some S3-compatibles do) can never be made to replace an archived object; the
     * conditional PUT still closes the race on stores that honour it; and what the store kept is checked.
     */
    @Override
    public PutOutcome putIfAbsent(String key, byte[] content) {
        if (head(key).isPresent()) {
            return PutOutcome.ALREADY_EXISTS;
        }
        String md5 = md5(content);
        Optional<String> etag = call("PUT", key, () -> {
            try {
                return Optional.of(s3.putObject(b -> sse(b.bucket(location.bucket()).key(fullKey(key)).ifNoneMatch("*"))
                        .contentMD5(java.util.Base64.getEncoder().encodeToString(java.util.HexFormat.of().parseHex(md5))),
                        RequestBody.fromBytes(content)).eTag());
            } catch (S3Exception e) {
                // 412: the key exists. (A retried PUT can also see its own first attempt here; callers compare
                // the existing object's checksum, so that case resolves to "identical, done".)
                if (e.statusCode() == 412) {
                    return Optional.<String>empty();
                }
                throw e;
            }
        });
        if (etag.isEmpty()) {
            return PutOutcome.ALREADY_EXISTS;
        }
        verifyStored(key, content, md5, etag.get());
        return PutOutcome.CREATED;
    }

    private volatile Optional<Boolean> conditionalWrites = Optional.empty();

    /** Probed once: a second conditional PUT of a scratch key must be refused with 412. */
    @Override
    public Optional<Boolean> conditionalWritesHonoured() {
        if (conditionalWrites.isEmpty()) {
            String probe = ".pitr-probe/" + java.util.UUID.randomUUID();
            String full = fullKey(probe);
            try {
                call("PUT", probe, () -> s3.putObject(b -> b.bucket(location.bucket()).key(full).ifNoneMatch("*"),
                        RequestBody.fromBytes(new byte[]{1})));
                boolean refused = call("PUT", probe, () -> {
                    try {
                        s3.putObject(b -> b.bucket(location.bucket()).key(full).ifNoneMatch("*"),
                                RequestBody.fromBytes(new byte[]{2}));
                        return false;
                    } catch (S3Exception e) {
                        if (e.statusCode() == 412) {
                            return true;
                        }
                        throw e;
                    }
                });
                conditionalWrites = Optional.of(refused);
            } finally {
                delete(probe);
            }
        }
        return conditionalWrites;
    }

    /**
     * What the store kept must be what was sent: its size, and its ETag where the store reports the MD5 (a
     * single-part upload without SSE-KMS). A store that mangles uploads would otherwise lose the whole archive
     * while every push reports success.
     */
    /** The write asks for the configured server-side encryption. */
    private PutObjectRequest.Builder sse(PutObjectRequest.Builder b) {
        settings.sse().algorithm().ifPresent(b::serverSideEncryption);
        settings.sse().kmsKeyId().ifPresent(b::ssekmsKeyId);
        return b;
    }

    private void verifyStored(String key, byte[] content, String md5, String etag) {
        String tag = etag == null ? "" : etag.replace("\"", "").toLowerCase(java.util.Locale.ROOT);
        boolean md5Tag = settings.sse().etagIsMd5() && tag.matches("[0-9a-f]{32}");
        if (md5Tag && tag.equals(md5)) {
            return; // the store's own MD5 of what it kept is ours
        }
        long size = -1;
        for (int attempt = 0; attempt < 5 && size != content.length && !md5Tag; attempt++) {
            if (attempt > 0) {
                sleepQuietly(100L * attempt); // read-after-write may lag on some stores
            }
            size = head(key).map(ObjectInfo::size).orElse(-1L);
        }
        if (md5Tag || size != content.length) {
            throw new RepositoryException("the store at " + where() + " did not keep what was sent for " + key
                    + " (stored " + (md5Tag ? "MD5 " + tag : size + " bytes") + "; sent " + content.length
                    + " bytes, MD5 " + md5 + "): it mangles uploads; pitr does not count this object as stored");
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String md5(byte[] content) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public long putStream(String key, InputStream content) {
        try {
            byte[] first = content.readNBytes(PART_SIZE);
            if (first.length < PART_SIZE) {
                put(key, first);
                return first.length;
            }
            return multipart(key, first, content);
        } catch (IOException e) {
            throw new RepositoryException("cannot read the data to upload as " + key + ": " + e.getMessage(), e);
        }
    }

    private long multipart(String key, byte[] first, InputStream rest) throws IOException {
        String full = fullKey(key);
        String uploadId = call("create multipart upload", key,
                () -> s3.createMultipartUpload(b -> {
                    b.bucket(location.bucket()).key(full);
                    settings.sse().algorithm().ifPresent(b::serverSideEncryption);
                    settings.sse().kmsKeyId().ifPresent(b::ssekmsKeyId);
                }).uploadId());
        List<CompletedPart> parts = new ArrayList<>();
        long total = 0;
        boolean completed = false;
        try {
            byte[] part = first;
            while (part.length > 0) {
                int number = parts.size() + 1;
                byte[] body = part;
                String etag = call("upload part", key, () -> s3.uploadPart(b -> b.bucket(location.bucket())
                        .key(full).uploadId(uploadId).partNumber(number), RequestBody.fromBytes(body)).eTag());
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                total += part.length;
                part = rest.readNBytes(PART_SIZE);
            }
            call("complete multipart upload", key, () -> s3.completeMultipartUpload(b -> b.bucket(location.bucket())
                    .key(full).uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build())));
            completed = true;
            long stored = head(key).map(ObjectInfo::size).orElse(-1L);
            if (stored != total) {
                throw new RepositoryException("the store at " + where() + " kept " + stored + " bytes of " + key
                        + " after a " + parts.size() + "-part upload of " + total + " bytes: it mangles uploads");
            }
            return total;
        } finally {
            if (!completed) {
                // nothing becomes visible under the key; free the parts already stored
                try {
                    s3.abortMultipartUpload(AbortMultipartUploadRequest.builder().bucket(location.bucket())
                            .key(full).uploadId(uploadId).build());
                } catch (SdkException ignored) {
                    // the bucket's lifecycle rule for incomplete uploads cleans up what this cannot
                }
            }
        }
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        return call("HEAD", key, () -> {
            try {
                HeadObjectResponse h = s3.headObject(b -> b.bucket(location.bucket()).key(fullKey(key)));
                return Optional.of(new ObjectInfo(key, h.contentLength(), h.lastModified()));
            } catch (S3Exception e) {
                if (e.statusCode() == 404) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        List<ObjectInfo> out = new ArrayList<>();
        listPages(prefix, false, page -> {
            for (S3Object o : page.contents()) {
                out.add(new ObjectInfo(relativeKey(o.key()), o.size(), o.lastModified()));
            }
        });
        return out;
    }

    @Override
    public List<String> listChildren(String prefix) {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        String base = fullKey(prefix);
        children(prefix, true, base, out);
        if (out.isEmpty()) { // some stores answer a delimited listing with nothing at all: list the keys instead
            children(prefix, false, base, out);
        }
        return new ArrayList<>(out);
    }

    private void children(String prefix, boolean delimited, String base, java.util.Set<String> out) {
        listPages(prefix, delimited, page -> {
            for (CommonPrefix p : page.commonPrefixes()) {
                String child = p.prefix().substring(base.length());
                out.add(child.endsWith("/") ? child.substring(0, child.length() - 1) : child);
            }
            for (S3Object o : page.contents()) {
                // a store that ignores the delimiter lists every key below: its first path element is the child
                String rest = o.key().substring(base.length());
                out.add(rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest);
            }
        });
    }

    private void listPages(String prefix, boolean delimited, java.util.function.Consumer<ListObjectsV2Response> sink) {
        call("LIST", prefix, () -> {
            ListObjectsV2Request.Builder req = ListObjectsV2Request.builder().bucket(location.bucket())
                    .prefix(fullKey(prefix));
            if (delimited) {
                req.delimiter("/");
            }
            s3.listObjectsV2Paginator(req.build()).forEach(sink);
            return null;
        });
    }

    @Override
    public void delete(String key) {
        call("DELETE", key, () -> s3.deleteObject(b -> b.bucket(location.bucket()).key(fullKey(key))));
    }

    @Override
    public void close() {
        s3.close();
    }
}
