package dev.pitr.crypto;

import dev.pitr.config.KeySource;
import dev.pitr.repo.RepositoryContract;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.S3Settings;
import dev.pitr.testkit.EmbeddedS3;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

/** The one repository contract, held by an encrypted file repository: encryption is invisible above it. */
class EncryptedRepositoryTest extends RepositoryContract {
    @TempDir
    Path dir;

    @Override
    protected Repository newRepository() {
        return Encryption.over(Repositories.open("file://" + dir, S3Settings.aws()),
                Optional.of(new KeySource.Variable("PITR_ENCRYPTION_KEY", "contract passphrase of some length")),
                warning -> { });
    }

    /** And over S3 (S3Proxy): the same contract, the same decorator. */
    @Nested
    class OverS3 extends RepositoryContract {
        @Override
        protected Repository newRepository() {
            EmbeddedS3 s3 = EmbeddedS3.shared();
            return Encryption.over(Repositories.open("s3://" + s3.newBucket() + "/enc",
                            new S3Settings(Optional.of(s3.endpoint()), "us-east-1", true, 3)),
                    Optional.of(new KeySource.Variable("PITR_ENCRYPTION_KEY", "contract passphrase of some length")),
                    warning -> { });
        }
    }
}
