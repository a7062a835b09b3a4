package dev.pitr.it;

import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.S3Settings;
import dev.pitr.wal.WalArchiver;
import dev.pitr.wal.WalFetcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same flow on the Docker matrix (PostgreSQL 15 container + MinIO): WAL the server wrote is pushed with
 * pitr and fetched back identical. Runs wherever a Docker engine exists; CI machines here have none.
 */
@Testcontainers(disabledWithoutDocker = true)
class TestcontainersIT {
    @Container
    static final PostgreSQLContainer PG = new PostgreSQLContainer("postgres:15")
            .withCommand("postgres", "-c", "wal_level=replica", "-c", "wal_keep_size=1GB");
    @Container
    static final MinIOContainer MINIO = new MinIOContainer("minio/minio:latest");

    @TempDir
    Path dir;

    @Test
    void segmentsFromAContainerizedServerRoundTripThroughMinio() throws Exception {
        String segment;
        try (Connection c = DriverManager.getConnection(PG.getJdbcUrl(), PG.getUsername(), PG.getPassword());
             ResultSet rs = c.createStatement().executeQuery(
                     "CREATE TABLE t AS SELECT g FROM generate_series(1,100000) g; "
                             + "SELECT pg_walfile_name(pg_switch_wal())")) {
            rs.next();
            segment = rs.getString(1);
        }
        Path local = dir.resolve(segment);
        PG.copyFileFromContainer("/var/lib/postgresql/data/pg_wal/" + segment, local.toString());

        System.setProperty("aws.accessKeyId", MINIO.getUserName());
        System.setProperty("aws.secretAccessKey", MINIO.getPassword());
        try (S3Client admin = S3Client.builder().endpointOverride(URI.create(MINIO.getS3URL()))
                .region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(() -> AwsBasicCredentials.create(MINIO.getUserName(), MINIO.getPassword()))
                .build()) {
            admin.createBucket(b -> b.bucket("pitr"));
        }
        try (Repository repo = Repositories.open("s3://pitr/tc",
                new S3Settings(Optional.of(URI.create(MINIO.getS3URL())), "us-east-1", true, 3))) {
            new WalArchiver(repo, 3, s -> { }).push(local);
            Path back = dir.resolve("back");
            assertThat(new WalFetcher(repo, Optional.empty(), s -> { }).fetch(segment, back)).isTrue();
            assertThat(Files.mismatch(back, local)).isEqualTo(-1L);
        }
    }
}
