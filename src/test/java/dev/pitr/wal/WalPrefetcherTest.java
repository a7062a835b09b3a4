package dev.pitr.wal;

import dev.pitr.core.Wait;
import dev.pitr.repo.FileRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Fetching ahead of replay past a restore's plan, against a file repository holding real-format segments. */
class WalPrefetcherTest {
    private static final int MB16 = 16 * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void fetchesPastThePlanAtMostDepthAheadOfReplayAndStopsAtTheEndOfTheArchive() throws Exception {
        FileRepository repo = new FileRepository(Files.createDirectories(dir.resolve("repo")));
        Path pgWal = Files.createDirectories(dir.resolve("pg_wal"));
        for (long n = 1; n <= 6; n++) {
            WalSegmentName name = WalSegmentName.of(1, n, MB16);
            Path file = Files.write(pgWal.resolve(name.toString()), SyntheticWal.segment(7_300_000_000_000_000_001L, name, MB16));
            new WalArchiver(repo, 1, s -> { }).push(file);
        }
        Path spool = Files.createDirectories(dir.resolve("spool"));
        AtomicLong replayed = new AtomicLong(-1); // the copy does not answer yet
        try (WalPrefetcher.Ahead ahead = new WalPrefetcher(repo).fetchAhead(WalSegmentName.of(1, 2, MB16), MB16, spool,
                2, 2, replayed::get)) {
            Path third = spool.resolve(WalSegmentName.of(1, 3, MB16).toString());
            Path fourth = spool.resolve(WalSegmentName.of(1, 4, MB16).toString());
            Path fifth = spool.resolve(WalSegmentName.of(1, 5, MB16).toString());
            Wait.until(() -> Files.exists(third) && Files.exists(fourth), Duration.ofSeconds(20), Duration.ofMillis(20),
                    () -> dev.pitr.core.PitrException.io("the two segments after the plan were not fetched", null));
            assertThat(Files.readAllBytes(third)).as("verified and whole")
                    .isEqualTo(Files.readAllBytes(pgWal.resolve(third.getFileName())));
            Thread.sleep(300);
            assertThat(fifth).as("no further than depth past the plan while replay is behind it").doesNotExist();

            replayed.set(4); // replay is in segment 4: two more, then the archive ends at 6
            Path sixth = spool.resolve(WalSegmentName.of(1, 6, MB16).toString());
            Wait.until(() -> Files.exists(fifth) && Files.exists(sixth), Duration.ofSeconds(20), Duration.ofMillis(20),
                    () -> dev.pitr.core.PitrException.io("fetching did not follow replay", null));
            replayed.set(10);
            Thread.sleep(300);
            try (var files = Files.list(spool)) {
                assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).as("nothing past the archive, no temp files")
                        .containsExactly("000000010000000000000003", "000000010000000000000004",
                                "000000010000000000000005", "000000010000000000000006");
            }
        }
    }
}
