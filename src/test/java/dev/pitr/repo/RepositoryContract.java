package dev.pitr.repo;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** One contract, every driver: each driver's test class supplies a fresh, empty repository. */
public abstract class RepositoryContract {
    protected Repository repo;

    protected abstract Repository newRepository() throws Exception;

    @BeforeEach
    public void open() throws Exception {
        repo = newRepository();
    }

    @AfterEach
    public void closeRepo() {
        repo.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    public void putGetHeadDelete() {
        assertThat(repo.get("a/b/c")).isEmpty();
        assertThat(repo.head("a/b/c")).isEmpty();
        repo.put("a/b/c", bytes("hello"));
        assertThat(repo.getBytes("a/b/c")).hasValue(bytes("hello"));
        assertThat(repo.head("a/b/c").orElseThrow().size()).isEqualTo(5);
        repo.put("a/b/c", bytes("replaced"));
        assertThat(repo.getBytes("a/b/c")).hasValue(bytes("replaced"));
        repo.delete("a/b/c");
        assertThat(repo.get("a/b/c")).isEmpty();
        repo.delete("a/b/c"); // deleting what is gone is not an error
    }

    @Test
    public void rangedReads() {
        repo.put("r", bytes("0123456789"));
        assertThat(repo.readRange("r", 2, 3)).hasValue(bytes("234"));
        assertThat(repo.readRange("r", 8, 10)).hasValue(bytes("89"));
        assertThat(repo.readRange("missing", 0, 4)).isEmpty();
    }

    @Test
    public void putIfAbsentNeverReplaces() {
        assertThat(repo.putIfAbsent("once", bytes("first"))).isEqualTo(PutOutcome.CREATED);
        assertThat(repo.putIfAbsent("once", bytes("second"))).isEqualTo(PutOutcome.ALREADY_EXISTS);
        assertThat(repo.getBytes("once")).hasValue(bytes("first"));
    }

    @Test
    public void racingPutIfAbsentHasOneWinner() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<PutOutcome>> racers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] content = bytes("racer-" + i);
                racers.add(() -> repo.putIfAbsent("race", content));
            }
            List<PutOutcome> outcomes = new ArrayList<>();
            for (Future<PutOutcome> f : pool.invokeAll(racers)) {
                outcomes.add(f.get());
            }
            String stored = new String(repo.getBytes("race").orElseThrow(), StandardCharsets.UTF_8);
            assertThat(stored).as("one racer's content, whole").matches("racer-[0-7]");
            if (repo.conditionalWritesHonoured().orElse(true)) {
                assertThat(outcomes).containsOnlyOnce(PutOutcome.CREATED);
            } else { // a store that ignores If-None-Match: pitr looks first, but cannot close the race window
                assertThat(outcomes).contains(PutOutcome.CREATED);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    public void listsByPrefixInKeyOrderAcrossPages() {
        for (int i = 0; i < 1203; i++) {
            repo.put(String.format("wal/00000001/%05d", i), new byte[]{1});
        }
        repo.put("wal/00000002/x", new byte[]{2});
        repo.put("backups/b1/meta", new byte[]{3});
        List<ObjectInfo> tl1 = repo.list("wal/00000001/");
        assertThat(tl1).hasSize(1203);
        assertThat(tl1.get(0).key()).isEqualTo("wal/00000001/00000");
        assertThat(tl1.get(1202).key()).isEqualTo("wal/00000001/01202");
        assertThat(repo.list("wal/")).hasSize(1204);
        assertThat(repo.listChildren("wal/")).containsExactly("00000001", "00000002");
        assertThat(repo.listChildren("")).containsExactly("backups", "wal");
        assertThat(repo.list("nothing/")).isEmpty();
    }

    @Test
    public void streamsLargeObjectsInParts() throws Exception {
        byte[] big = new byte[S3Repository.PART_SIZE * 2 + 12345];
        new Random(3).nextBytes(big);
        long n = repo.putStream("backups/big.tar.zst", new ByteArrayInputStream(big));
        assertThat(n).isEqualTo(big.length);
        try (InputStream in = repo.get("backups/big.tar.zst").orElseThrow()) {
            assertThat(in.readAllBytes()).isEqualTo(big);
        }
        assertThat(repo.putStream("small", new ByteArrayInputStream(bytes("tiny")))).isEqualTo(4);
        assertThat(repo.getBytes("small")).hasValue(bytes("tiny"));
    }

    @Test
    public void aFailedStreamLeavesNothingUnderTheKey() {
        InputStream failing = new InputStream() {
            private int left = S3Repository.PART_SIZE + 100;

            @Override
            public int read() {
                if (left-- <= 0) {
                    throw new java.io.UncheckedIOException(new java.io.IOException("source died"));
                }
                return 7;
            }
        };
        try {
            repo.putStream("backups/broken", failing);
        } catch (RuntimeException expected) {
            // the point is what is left behind
        }
        assertThat(repo.head("backups/broken")).isEmpty();
        assertThat(repo.list("backups/")).isEmpty();
    }
}
