package dev.pitr.repo;

/** Opens the driver a repository URL names. */
public final class Repositories {
    private Repositories() {
    }

    public static Repository open(String url, S3Settings s3) {
        return open(url, s3, message -> { });
    }

    /** {@code verbose} hears about retries and resumed transfers (shown with -v). */
    public static Repository open(String url, S3Settings s3, java.util.function.Consumer<String> verbose) {
        RepositoryUrl parsed = RepositoryUrl.parse(url);
        if (parsed instanceof RepositoryUrl.S3 location) {
            if (s3.endpoint().isPresent()) {
                // an S3-compatible store never has an EC2 instance role; skip the metadata-service probe
                System.setProperty("aws.disableEc2Metadata", "true");
            }
            return new S3Repository(location, s3, verbose);
        }
        return new FileRepository(((RepositoryUrl.File) parsed).root());
    }
}
