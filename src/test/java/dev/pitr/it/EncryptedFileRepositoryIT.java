package dev.pitr.it;

import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.S3Settings;
import dev.pitr.testkit.TestDirs;

import java.io.IOException;
import java.nio.file.Path;

/** The encrypted-repository scenario on the file driver: a directory of the server user. */
class EncryptedFileRepositoryIT extends EncryptedRepositoryScenario {
    @Override
    Store newStore() throws IOException {
        Path dir = TestDirs.serverOwned("pitr-encrypted-repo-");
        return new Store() {
            @Override
            public String url() {
                return "file://" + dir;
            }

            @Override
            public Repository raw() {
                return Repositories.open(url(), S3Settings.aws());
            }

            @Override
            public void close() {
                TestDirs.delete(dir);
            }
        };
    }
}
