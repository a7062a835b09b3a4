package dev.pitr.it;

import dev.pitr.wal.WalArchive;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;
import dev.pitr.repo.S3Settings;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.wal.SyntheticWal;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalObjectFormat;
import dev.pitr.wal.WalSegmentName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** wal push as real processes (the launcher and its JVM) killed with SIGKILL, and racing each other. */
class ReliabilityIT {
    private static final int MB16 = 16 * 1024 * 1024;
    private static final long SYSID = 7_300_000_000_000_000_004L;

    @TempDir
    Path dir;
    private Map<String, String> env;
    private Repository repo;

    @BeforeEach
    void setUp() {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        env = s3.env(bucket);
        repo = Repositories.open("s3://" + bucket + "/repo", new S3Settings(Optional.of(s3.endpoint()), "us-east-1", true, 3));
    }

    @AfterEach
    void tearDown() {
        repo.close();
    }

    private Path segment(String subdir, long number, int flipAt) throws Exception {
        WalSegmentName name = WalSegmentName.of(1, number, MB16);
        byte[] content = SyntheticWal.segment(SYSID, name, MB16);
        if (flipAt > 0) {
            content[flipAt] ^= 0x5a;
        }
        return Files.write(Files.createDirectories(dir.resolve(subdir)).resolve(name.toString()), content);
    }

    private Process push(Path segment) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ArchiveIT.LAUNCHER, "wal", "push", segment.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("push-" + System.nanoTime() + ".log").toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    private static int exit(Process p) throws Exception {
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        return p.exitValue();
    }

    /** The object under a segment's key, decoded, if there is one: throws when it is there but damaged. */
    private Optional<byte[]> stored(Path segment) throws Exception {
        Optional<byte[]> object = repo.getBytes(WalArchive.keyOf(WalFileName.parseOrThrow(segment.getFileName().toString())));
        return object.isEmpty() ? Optional.empty() : Optional.of(WalObjectFormat.decode(object.get()));
    }

    @Test
    void killMinus9AtRandomPointsNeverLeavesAWrongObjectAndTheRetrySucceeds() throws Exception {
        Random random = new Random(42);
        int absentAfterKill = 0;
        for (int i = 1; i <= 12; i++) {
            Path seg = segment("kill", i, 0);
            Process p = push(seg);
            Thread.sleep(50 + random.nextInt(900));
            p.destroyForcibly(); // SIGKILL: the launcher exec'd the JVM, so this is the JVM itself
            p.waitFor(30, TimeUnit.SECONDS);
            Optional<byte[]> after = stored(seg); // decode() proves the object is whole if it is there
            if (after.isEmpty()) {
                absentAfterKill++;
            } else {
                assertThat(after.get()).isEqualTo(Files.readAllBytes(seg));
            }
            assertThat(exit(push(seg))).as("PostgreSQL's retry of segment %d", i).isZero();
            assertThat(stored(seg)).hasValueSatisfying(b -> assertThat(b).isEqualTo(readQuietly(seg)));
        }
        System.out.println("kill -9 loop: " + absentAfterKill + " of 12 kills came before the object was stored");
    }

    @Test
    void twoArchiversPushingTheSameSegmentBothSucceedWithOneObject() throws Exception {
        for (int round = 1; round <= 4; round++) {
            Path a = segment("a", round, 0);
            Path b = segment("b", round, 0);
            Process pa = push(a);
            Process pb = push(b);
            assertThat(exit(pa)).isZero();
            assertThat(exit(pb)).isZero();
            assertThat(stored(a)).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(readQuietly(a)));
        }
    }

    @Test
    void aRaceOfDifferentContentHasOneWinnerAndOneRefusal() throws Exception {
        for (int round = 1; round <= 3; round++) {
            Path a = segment("x", 100 + round, 0);
            Path b = segment("y", 100 + round, 5000); // same name, one byte different
            Process pa = push(a);
            Process pb = push(b);
            List<Integer> codes = List.of(exit(pa), exit(pb));
            assertThat(codes).containsExactlyInAnyOrder(0, 4);
            Path winner = codes.get(0) == 0 ? a : b;
            assertThat(stored(winner)).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(readQuietly(winner)));
        }
    }

    private static byte[] readQuietly(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
