package dev.pitr.bench;

import dev.pitr.wal.WalArchive;
import dev.pitr.backup.Inventory;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;
import dev.pitr.repo.S3Settings;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalSegmentName;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Inventory at scale: N WAL objects (default 100,000) in the in-process S3 server, then 'info' (the
 * inventory snapshot) timed against the anchor measured in the same run: one plain paginated LIST of wal/.
 * Run by bench/inventory.sh.
 */
public final class InventoryBench {
    private InventoryBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        try (Repository repo = Repositories.open("s3://" + bucket + "/bench",
                new S3Settings(Optional.of(s3.endpoint()), "us-east-1", true, 5))) {
            long t0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(32);
            List<Future<?>> jobs = new ArrayList<>();
            byte[] body = new byte[64];
            int perTimeline = n / 2;
            for (int i = 0; i < n; i++) {
                int tl = i < perTimeline ? 1 : 2;
                long seg = 2 + (i % perTimeline);
                if (tl == 1 && seg == 5000) {
                    continue; // one gap, so the analysis has something to find
                }
                String key = WalArchive.keyOf(new WalFileName.Segment(WalSegmentName.of(tl, seg, 16 << 20)));
                jobs.add(pool.submit(() -> repo.put(key, body)));
            }
            for (Future<?> f : jobs) {
                f.get();
            }
            pool.shutdown();
            System.err.printf("loaded %d objects in %.1f s%n", jobs.size(), (System.nanoTime() - t0) / 1e9);

            long a = System.nanoTime();
            int listed = repo.list(RepositoryLayout.WAL).size();
            double anchor = (System.nanoTime() - a) / 1e9;
            long b = System.nanoTime();
            Inventory.Snapshot snap = new Inventory(repo).snapshot();
            double info = (System.nanoTime() - b) / 1e9;
            long gaps = snap.timelines().stream().mapToLong(t -> t.gaps().size()).sum();
            System.out.printf("%-44s %8s %8s%n", "inventory of " + listed + " WAL objects", "seconds", "ratio");
            System.out.printf("%-44s %8.2f %8s%n", "one sequential LIST of wal/ (anchor)", anchor, "1.00");
            System.out.printf("%-44s %8.2f %8.2f%n", "pitr info (timelines, runs, gaps: " + gaps + ")", info, info / anchor);
            System.out.printf(java.util.Locale.ROOT, "BENCH_JSON inventory {\"objects\":%d,\"sequential_list_s\":%.2f,\"pitr_info_s\":%.2f,\"ratio\":%.3f}%n",
                    listed, anchor, info, info / anchor);
        }
        System.exit(0);
    }
}
