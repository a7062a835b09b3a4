package dev.pitr.testkit;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * A second, independent S3 implementation for tests: the npm package {@code s3rver} (installed by
 * scripts/setup.sh into .cache/s3rver), run as its own process on loopback. It differs from S3Proxy where real
 * S3-compatibles do: it stores aws-chunked upload bodies as sent, ignores If-None-Match, and answers listings
 * with a delimiter in its own way.
 */
public final class S3rver implements AutoCloseable {
    private static S3rver shared;

    private final Process process;
    private final int port;
    private final Path dir;

    private S3rver(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Where scripts/setup.sh installs it (PITR_S3RVER overrides): the node_modules holding the package. */
    static Path modules() {
        String override = System.getenv("PITR_S3RVER");
        Path root = Path.of(System.getProperty("user.dir"));
        return override != null ? Path.of(override) : root.resolve(".cache/s3rver/node_modules");
    }

    public static synchronized S3rver shared() {
        if (shared == null) {
            Path modules = modules();
            if (!Files.isDirectory(modules.resolve("s3rver"))) {
                throw new IllegalStateException(modules.resolve("s3rver") + " is missing: run scripts/setup.sh (it"
                        + " installs the npm package s3rver, the second S3 implementation the tests use)");
            }
            try {
                Path dir = Files.createTempDirectory("pitr-s3rver-");
                Path launcher = dir.resolveSibling(dir.getFileName() + "-launch.js");
                try (var in = S3rver.class.getResourceAsStream("s3rver-launch.js")) {
                    Files.write(launcher, in.readAllBytes());
                }
                int port = PgCluster.freePort();
                // s3rver makes listing continuation tokens with a cipher OpenSSL 3 keeps in its legacy provider
                ProcessBuilder pb = new ProcessBuilder(List.of("node", "--openssl-legacy-provider", launcher.toString(),
                        dir.toString(),
                        String.valueOf(port), EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY))
                        .redirectErrorStream(true).redirectOutput(dir.resolveSibling(dir.getFileName() + ".log").toFile());
                pb.environment().put("NODE_PATH", modules.toString());
                Process p = pb.start();
                long deadline = System.currentTimeMillis() + 30_000;
                while (!listening(port)) {
                    if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("s3rver did not start on port " + port);
                    }
                    Thread.sleep(50);
                }
                shared = new S3rver(p, port, dir);
                EmbeddedS3.shared(); // the SDK credentials of in-process runs: the same test key pair
                Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("cannot start s3rver", e);
            }
        }
        return shared;
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** A new, empty bucket with a unique name. */
    public String newBucket() {
        String name = "pitr-" + UUID.randomUUID().toString().substring(0, 12);
        try (S3Client c = S3Client.builder().endpointOverride(endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .httpClient(ApacheHttpClient.builder().build())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(EmbeddedS3.ACCESS_KEY,
                        EmbeddedS3.SECRET_KEY))).build()) {
            c.createBucket(b -> b.bucket(name));
        }
        return name;
    }

    /** What the store keeps on disk for an object (s3rver's layout: BUCKET/KEY._S3rver_object). */
    public byte[] storedBytes(String bucket, String key) throws IOException {
        return Files.readAllBytes(dir.resolve(bucket).resolve(key + "._S3rver_object"));
    }

    /** Stops the process and removes what it stored (each test JVM's store would otherwise stay in /tmp). */
    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            dev.pitr.core.Trees.delete(dir);
            Files.deleteIfExists(dir.resolveSibling(dir.getFileName() + "-launch.js"));
            Files.deleteIfExists(dir.resolveSibling(dir.getFileName() + ".log"));
        } catch (IOException | RuntimeException e) {
            // a store left in /tmp is untidy, not wrong
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
