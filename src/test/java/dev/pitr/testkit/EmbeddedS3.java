package dev.pitr.testkit;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * A real S3 protocol server (S3Proxy) on 127.0.0.1. One per test JVM: the first start costs about a second,
 * later buckets are free. {@link #main} runs it as its own process for the demo script.
 */
public final class EmbeddedS3 {
    public static final String ACCESS_KEY = "pitr-test-access";
    public static final String SECRET_KEY = "pitr-test-secret-DO-NOT-PRINT";
    private static EmbeddedS3 shared;

    private final S3Proxy proxy;
    private final BlobStore store;

    private EmbeddedS3(BlobStore store) throws Exception {
        this.store = store;
        this.proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .ignoreUnknownHeaders(true).build();
        proxy.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
    }

    public static synchronized EmbeddedS3 shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("pitr-s3-");
                shared = new EmbeddedS3(new FilesystemNio2BlobStore(dir.toString()));
                Runtime.getRuntime().addShutdownHook(new Thread(() -> { // deleteOnExit keeps a directory with files
                    try {
                        dev.pitr.core.Trees.delete(dir);
                    } catch (java.io.IOException | RuntimeException e) {
                        // a store left in /tmp is untidy, not wrong
                    }
                }));
                // in-process pitr runs read credentials through the SDK chain's system-property step
                System.setProperty("aws.accessKeyId", ACCESS_KEY);
                System.setProperty("aws.secretAccessKey", SECRET_KEY);
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the in-process S3 server", e);
            }
        }
        return shared;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** A new, empty bucket with a unique name. */
    public String newBucket() {
        String name = "pitr-" + UUID.randomUUID().toString().substring(0, 12);
        store.createContainer(name);
        return name;
    }

    /** Environment for a pitr process that talks to this server (credentials through the SDK's chain). */
    public Map<String, String> env(String bucket) {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY,
                "AWS_REGION", "us-east-1", "PITR_S3_ENDPOINT", endpoint().toString(),
                "PITR_REPO", "s3://" + bucket + "/repo");
    }

    /** {@code EmbeddedS3 DIR BUCKET PORTFILE}: serves DIR over S3 until killed; writes the port to PORTFILE. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        EmbeddedS3 s3 = new EmbeddedS3(new FilesystemNio2BlobStore(dir.toString()));
        if (!s3.store.containerExists(args[1])) {
            s3.store.createContainer(args[1]);
        }
        Path portFile = Path.of(args[2]);
        Files.writeString(portFile, String.valueOf(s3.proxy.getPort()));
        Thread.currentThread().join();
    }
}
