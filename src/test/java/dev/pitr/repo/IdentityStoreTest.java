package dev.pitr.repo;

import dev.pitr.core.PitrException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Binding a repository to its cluster, with the interleaving of two first pushes made deterministic: the other
 * archiver binds and stores its segment between this one's read of the identity and its damage check.
 */
class IdentityStoreTest {
    private static final String SYSID = "7300000000000000004";
    private static final int SEGMENT = 16 * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void aPushRacingAnotherOnANewRepositoryJoinsTheIdentityTheOtherBound() {
        try (Repository file = Repositories.open("file://" + dir, S3Settings.aws())) {
            Repository racing = new BeforeFirstListing(file, () -> {
                new IdentityStore(file).bind(SYSID, 15, SEGMENT);
                file.put("wal/00000001/0000000000000000/000000010000000000000001.pitr", new byte[]{1});
            });
            RepositoryIdentity bound = new IdentityStore(racing).bind(SYSID, 15, SEGMENT);
            assertThat(bound.systemIdentifier()).isEqualTo(SYSID);
            assertThat(new IdentityStore(file).read()).contains(bound);
        }
    }

    @Test
    void aRepositoryWithWalButNoIdentityIsStillRefusedAsDamaged() {
        try (Repository file = Repositories.open("file://" + dir, S3Settings.aws())) {
            file.put("wal/00000001/0000000000000000/000000010000000000000001.pitr", new byte[]{1});
            assertThatThrownBy(() -> new IdentityStore(file).bind(SYSID, 15, SEGMENT))
                    .isInstanceOf(PitrException.class).hasMessageContaining("no identity object");
            assertThat(new IdentityStore(file).read()).isEmpty();
        }
    }

    @Test
    void aRacingBinderFromAnotherClusterIsStillRefused() {
        try (Repository file = Repositories.open("file://" + dir, S3Settings.aws())) {
            Repository racing = new BeforeFirstListing(file, () -> {
                new IdentityStore(file).bind("7399999999999999999", 15, SEGMENT);
                file.put("wal/00000001/0000000000000000/000000010000000000000001.pitr", new byte[]{1});
            });
            assertThatThrownBy(() -> new IdentityStore(racing).bind(SYSID, 15, SEGMENT))
                    .isInstanceOf(PitrException.class).hasMessageContaining("belongs to the cluster with system identifier 7399999999999999999");
        }
    }

    /** A repository that lets the other archiver act once, just before this one's first listing. */
    private static final class BeforeFirstListing extends ForwardingRepository {
        private Runnable meanwhile;

        BeforeFirstListing(Repository raw, Runnable meanwhile) {
            super(raw);
            this.meanwhile = meanwhile;
        }

        @Override
        public List<String> listChildren(String prefix) {
            if (meanwhile != null) {
                Runnable other = meanwhile;
                meanwhile = null;
                other.run();
            }
            return raw.listChildren(prefix);
        }
    }
}
