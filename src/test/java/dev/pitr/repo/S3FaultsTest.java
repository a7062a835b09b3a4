package dev.pitr.repo;

import dev.pitr.wal.WalArchive;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.testkit.FaultProxy;
import dev.pitr.testkit.FaultProxy.Fault;
import dev.pitr.testkit.FaultProxy.Plan;
import dev.pitr.wal.SyntheticWal;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalObjectFormat;
import dev.pitr.wal.WalSegmentName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pitr against a flaky object store: a fault-injecting proxy sits between pitr and the in-process S3 server.
 * Every check of what was stored is made directly against the server, behind the proxy's back.
 */
class S3FaultsTest {
    private static final int MB16 = 16 * 1024 * 1024;
    private static final long SYSID = 7_300_000_000_000_000_002L;

    @TempDir
    Path dir;
    private FaultProxy proxy;
    private Repository direct;
    private String bucket;

    /** The store behind the fault proxy: S3Proxy here, s3rver in {@link S3rverFaultsTest}. */
    protected java.net.URI storeEndpoint() {
        return EmbeddedS3.shared().endpoint();
    }

    protected String newStoreBucket() {
        return EmbeddedS3.shared().newBucket();
    }

    @BeforeEach
    void setUp() throws Exception {
        bucket = newStoreBucket();
        proxy = new FaultProxy(storeEndpoint(), Plan.always(Fault.NONE));
        direct = Repositories.open("s3://" + bucket + "/repo", new S3Settings(Optional.of(storeEndpoint()), "us-east-1", true, 3));
    }

    @AfterEach
    void tearDown() throws Exception {
        proxy.close();
        direct.close();
    }

    private Cli cli(String... extraEnv) {
        Map<String, String> env = new HashMap<>(EmbeddedS3.shared().env(bucket));
        env.put("PITR_S3_ENDPOINT", proxy.endpoint().toString());
        for (int i = 0; i < extraEnv.length; i += 2) {
            env.put(extraEnv[i], extraEnv[i + 1]);
        }
        return new Cli(env, dir);
    }

    private Path segment(long number) throws Exception {
        WalSegmentName name = WalSegmentName.of(1, number, MB16);
        return Files.write(dir.resolve(name.toString()), SyntheticWal.segment(SYSID, name, MB16));
    }

    private static String key(Path segment) {
        return WalArchive.keyOf(WalFileName.parseOrThrow(segment.getFileName().toString()));
    }

    @Test
    void pushAndFetchSurviveEveryKindOfIntermittentFault() throws Exception {
        proxy.stallMillis(300);
        proxy.plan(Plan.rotating(Fault.ERROR_500, Fault.SLOW_DOWN_503, Fault.RESET_BEFORE_RESPONSE,
                Fault.RESET_MID_BODY, Fault.TRUNCATE_BODY, Fault.STALL));
        Cli cli = cli();
        List<Path> segments = new ArrayList<>();
        StringBuilder stderr = new StringBuilder();
        for (long n = 1; n <= 6; n++) {
            Path seg = segment(n);
            segments.add(seg);
            Cli.Run push = cli.run("-v", "wal", "push", seg.toString());
            assertThat(push.exitCode()).as(push.stderr()).isZero();
            stderr.append(push.stderr());
        }
        for (Path seg : segments) { // what the store really holds: the exact segment, once
            assertThat(WalObjectFormat.decode(direct.getBytes(key(seg)).orElseThrow())).isEqualTo(Files.readAllBytes(seg));
        }
        for (Path seg : segments) {
            Path dest = dir.resolve("fetched");
            Cli.Run fetch = cli.run("-v", "wal", "fetch", seg.getFileName().toString(), dest.toString());
            assertThat(fetch.exitCode()).as(fetch.stderr()).isZero();
            assertThat(Files.mismatch(dest, seg)).isEqualTo(-1L);
            stderr.append(fetch.stderr());
        }
        assertThat(proxy.injected()).extracting(s -> s.split(" ")[0]).contains(Fault.ERROR_500.name(),
                Fault.SLOW_DOWN_503.name(), Fault.RESET_BEFORE_RESPONSE.name(), Fault.RESET_MID_BODY.name(),
                Fault.TRUNCATE_BODY.name());
        assertThat(stderr.toString()).as("retries are reported with -v").contains("retrying (attempt=2")
                .contains("HTTP 503 from the store");
    }

    @Test
    void aPermanentFaultFailsWithOneLineNamingTheObjectAndLeavesNothingBehind() throws Exception {
        Path seg = segment(3);
        proxy.plan(Plan.always(Fault.SLOW_DOWN_503));
        Cli cli = cli("PITR_S3_MAX_ATTEMPTS", "2");
        Cli.Run push = cli.run("wal", "push", seg.toString());
        assertThat(push.exitCode()).isEqualTo(5);
        assertThat(push.stderrLines()).hasSize(1);
        assertThat(push.stderr()).contains("503").contains(bucket);
        assertThat(direct.list("")).isEmpty();

        proxy.plan(Plan.always(Fault.NONE));
        assertThat(cli.run("wal", "push", seg.toString()).exitCode()).isZero();
        proxy.plan(Plan.always(Fault.RESET_MID_BODY)); // every GET body dies half-way
        Path dest = dir.resolve("RECOVERYXLOG");
        Cli.Run fetch = cli.run("wal", "fetch", seg.getFileName().toString(), dest.toString());
        assertThat(fetch.exitCode()).isEqualTo(5);
        assertThat(fetch.stderrLines()).hasSize(1);
        assertThat(fetch.stderr()).contains(key(seg));
        assertThat(dest).as("PostgreSQL is never handed part of a segment").doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("RECOVERYXLOG"));
        }
    }

    @Test
    void aListingCutShortMidXmlIsRetried() throws Exception {
        for (long n = 1; n <= 3; n++) {
            direct.put("wal/" + n, new byte[]{1});
        }
        proxy.plan(r -> r.number() == 1 ? Fault.TRUNCATE_BODY : Fault.NONE);
        List<String> verbose = new CopyOnWriteArrayList<>();
        try (Repository flaky = Repositories.open("s3://" + bucket + "/repo",
                new S3Settings(Optional.of(proxy.endpoint()), "us-east-1", true, 3), verbose::add)) {
            assertThat(flaky.list("wal/")).hasSize(3);
        }
        assertThat(proxy.injected()).hasSize(1);
        assertThat(verbose).anyMatch(v -> v.contains("retrying"));
    }

    @Test
    void aStalledConnectionTimesOutAndIsRetried() throws Exception {
        Path seg = segment(4);
        proxy.stallMillis(4_000);
        proxy.plan(r -> r.number() == 1 ? Fault.STALL : Fault.NONE);
        Cli.Run push = cli("PITR_S3_TIMEOUT", "1").run("-v", "wal", "push", seg.toString());
        assertThat(push.exitCode()).as(push.stderr()).isZero();
        assertThat(push.stderr()).contains("retrying");
        assertThat(WalObjectFormat.decode(direct.getBytes(key(seg)).orElseThrow())).isEqualTo(Files.readAllBytes(seg));
    }

    @Test
    void aLargeDownloadResumesWhereItBrokeOff() throws Exception {
        byte[] big = new byte[40 * 1024 * 1024]; // a backup-sized stream: multipart up, one long GET down
        new Random(11).nextBytes(big);
        direct.putStream("backups/b1/base.tar.zst", new ByteArrayInputStream(big));
        proxy.plan(r -> r.method().equals("GET") && r.number() <= 3 ? Fault.RESET_MID_BODY : Fault.NONE);
        List<String> verbose = new CopyOnWriteArrayList<>();
        try (Repository flaky = Repositories.open("s3://" + bucket + "/repo",
                new S3Settings(Optional.of(proxy.endpoint()), "us-east-1", true, 5), verbose::add);
             InputStream in = flaky.get("backups/b1/base.tar.zst").orElseThrow()) {
            assertThat(in.readAllBytes()).isEqualTo(big);
        }
        assertThat(verbose).anyMatch(v -> v.contains("resuming at byte"));
    }
}
