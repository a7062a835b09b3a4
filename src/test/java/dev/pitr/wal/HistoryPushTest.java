package dev.pitr.wal;

import dev.pitr.core.PitrException;
import dev.pitr.repo.FileRepository;
import dev.pitr.repo.RepositoryLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What is refused before it reaches the repository: garbage or foreign history, and a repository without identity. */
class HistoryPushTest {
    private static final int MB16 = 16 * 1024 * 1024;

    @TempDir
    Path dir;

    private FileRepository repo() throws Exception {
        return new FileRepository(Files.createDirectories(dir.resolve("repo")));
    }

    private Path file(String name, String content) throws Exception {
        return Files.writeString(Files.createDirectories(dir.resolve("pg_wal")).resolve(name), content);
    }

    @Test
    void historyFilesMustParseAndContinueTheirParent() throws Exception {
        FileRepository repo = repo();
        WalArchiver push = new WalArchiver(repo, 1, s -> { });
        assertThatThrownBy(() -> push.push(file("00000003.history", "this is not a history file\n")))
                .isInstanceOf(PitrException.class).hasMessageContaining("not 'timeline switchpoint reason'");
        assertThatThrownBy(() -> push.push(file("00000002.history", "3\t0/5000000\tno recovery target specified\n")))
                .hasMessageContaining("cannot be an ancestor");
        push.push(file("00000002.history", "1\t0/3000000\tno recovery target specified\n"));
        push.push(file("00000003.history", "1\t0/3000000\tno recovery target specified\n\n"
                + "2\t0/5000000\tbefore 2026-12-01 10:00:00+00\n"));
        // another cluster's timeline 4: its history does not continue ours
        assertThatThrownBy(() -> push.push(file("00000004.history", "1\t0/7000000\tx\n2\t0/8000000\ty\n3\t0/9000000\tz\n")))
                .isInstanceOf(PitrException.class).hasMessageContaining("does not continue the archived history of timeline 3");
        assertThat(repo.head(WalArchive.keyOf(new WalFileName.TimelineHistory(4)))).isEmpty();
        assertThat(repo.head(WalArchive.keyOf(new WalFileName.TimelineHistory(3)))).isPresent();
    }

    /** Segment {@code number} of timeline 1, as the cluster with {@code sysid} writes it, in pg_wal. */
    private Path segment(long number, long sysid) throws Exception {
        WalSegmentName name = WalSegmentName.of(1, number, MB16);
        return Files.write(Files.createDirectories(dir.resolve("pg_wal")).resolve(name.toString()),
                SyntheticWal.segment(sysid, name, MB16));
    }

    @Test
    void aForeignOrRenamedSegmentUnderAValidNameIsNeverHandedToPostgres() throws Exception {
        FileRepository repo = repo();
        WalSegmentName two = WalSegmentName.of(1, 2, MB16);
        new WalArchiver(repo, 1, s -> { }).push(segment(2, 7_300_000_000_000_000_001L));
        WalSegmentName three = WalSegmentName.of(1, 3, MB16);
        byte[] foreign = SyntheticWal.segment(42L, three, MB16);
        String key = WalArchive.keyOf(WalFileName.parseOrThrow(three.toString()));
        repo.put(key, WalObjectFormat.encode(foreign, java.security.MessageDigest.getInstance("SHA-256").digest(foreign), 1));
        Path dest = dir.resolve("RECOVERYXLOG");
        assertThatThrownBy(() -> new WalFetcher(repo, java.util.Optional.empty(), s -> { }).fetch(three.toString(), dest))
                .hasMessageContaining("system identifier 42").hasMessageContaining("not handed to PostgreSQL");
        assertThat(dest).doesNotExist();
        assertThat(new WalFetcher(repo, java.util.Optional.empty(), s -> { }).fetch(two.toString(), dest)).isTrue();
    }

    @Test
    void aRepositoryThatLostItsIdentityIsNeverBoundAgain() throws Exception {
        FileRepository repo = repo();
        new WalArchiver(repo, 1, s -> { }).push(segment(2, 7_300_000_000_000_000_001L));
        repo.delete(RepositoryLayout.IDENTITY);
        WalSegmentName theirs = WalSegmentName.of(1, 9, MB16);
        Path foreign = segment(9, 42L);
        assertThatThrownBy(() -> new WalArchiver(repo, 1, s -> { }).push(foreign)).isInstanceOf(PitrException.class)
                .hasMessageContaining("no identity object").hasMessageContaining("damaged");
        assertThat(repo.head(RepositoryLayout.IDENTITY)).isEmpty();
        assertThat(repo.head(WalArchive.keyOf(WalFileName.parseOrThrow(theirs.toString())))).isEmpty();
    }
}
