package dev.pitr.testkit;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

import dev.pitr.core.Trees;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A real S3 protocol server (S3Proxy) on 127.0.0.1. One per test JVM: the first start costs about a second,
 * later buckets are free. {@link #main} runs it as its own process for the demo script.
 */
public final class EmbeddedS3 {
    public static final String ACCESS_KEY = "pitr-test-access";
    public static final String SECRET_KEY = "pitr-test-secret-DO-NOT-PRINT";
    private static final String KEYSTORE_PASSWORD = "pitr-test-keystore";
    private static EmbeddedS3 shared;
    private static EmbeddedS3 sharedTls;

    private final S3Proxy proxy;
    private final BlobStore store;
    private final Path dir;
    private final boolean tls;

    private EmbeddedS3(Path dir, Optional<Path> keyStore) throws Exception {
        this.dir = dir;
        this.store = new FilesystemNio2BlobStore(dir.toString());
        this.tls = keyStore.isPresent();
        S3Proxy.Builder builder = S3Proxy.builder().blobStore(store)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).ignoreUnknownHeaders(true);
        if (keyStore.isPresent()) {
            builder.secureEndpoint(URI.create("https://127.0.0.1:0")).keyStore(keyStore.get().toString(), KEYSTORE_PASSWORD);
        } else {
            builder.endpoint(URI.create("http://127.0.0.1:0"));
        }
        this.proxy = builder.build();
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
            shared = startIn("pitr-s3-", false);
            // in-process pitr runs read credentials through the SDK chain's system-property step
            System.setProperty("aws.accessKeyId", ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", SECRET_KEY);
        }
        return shared;
    }

    /**
     * The same server over TLS only, with a self-signed certificate made for this JVM: for clients that speak S3
     * over https alone (pgBackRest), told not to verify it.
     */
    public static synchronized EmbeddedS3 sharedTls() {
        if (sharedTls == null) {
            sharedTls = startIn("pitr-s3-tls-", true);
        }
        return sharedTls;
    }

    private static EmbeddedS3 startIn(String prefix, boolean tls) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> { // deleteOnExit keeps a directory with files
                try {
                    Trees.delete(dir);
                } catch (IOException | RuntimeException e) {
                    // a store left in /tmp is untidy, not wrong
                }
            }));
            Optional<Path> keyStore = Optional.empty();
            if (tls) {
                Path ks = Files.createTempDirectory(dir, "tls-").resolve("keystore.jks");
                Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                        "-genkeypair", "-alias", "s3", "-keyalg", "RSA", "-keysize", "2048", "-validity", "7",
                        "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1", "-keystore", ks.toString(),
                        "-storetype", "JKS", "-storepass", KEYSTORE_PASSWORD, "-keypass", KEYSTORE_PASSWORD)
                        .redirectErrorStream(true).start();
                String out = new String(keytool.getInputStream().readAllBytes());
                if (keytool.waitFor() != 0) {
                    throw new IllegalStateException("keytool failed: " + out);
                }
                keyStore = Optional.of(ks);
            }
            return new EmbeddedS3(Files.createDirectories(dir.resolve("store")), keyStore);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the in-process S3 server", e);
        }
    }

    public URI endpoint() {
        return URI.create((tls ? "https" : "http") + "://127.0.0.1:" + port());
    }

    public int port() {
        return tls ? proxy.getSecurePort() : proxy.getPort();
    }

    /** Where the store keeps bucket {@code bucket}'s objects, one file each, under their names. */
    public Path bucketDirectory(String bucket) {
        return dir.resolve(bucket);
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
        EmbeddedS3 s3 = new EmbeddedS3(dir, Optional.empty());
        if (!s3.store.containerExists(args[1])) {
            s3.store.createContainer(args[1]);
        }
        Path portFile = Path.of(args[2]);
        Files.writeString(portFile, String.valueOf(s3.proxy.getPort()));
        Thread.currentThread().join();
    }
}
