package dev.pitr.repo;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RepositoryUrlTest {
    @Test
    void parsesBothSchemes() {
        assertThat(RepositoryUrl.parse("s3://my-bucket/prod/main/")).isEqualTo(new RepositoryUrl.S3("my-bucket", "prod/main"));
        assertThat(RepositoryUrl.parse("s3://my-bucket")).isEqualTo(new RepositoryUrl.S3("my-bucket", ""));
        assertThat(RepositoryUrl.parse("file:///var/lib/pitr/")).isEqualTo(new RepositoryUrl.File(Path.of("/var/lib/pitr")));
    }

    @Test
    void typosAreUsageErrorsNamingTheUrl() {
        for (String bad : new String[]{"s4://bucket", "s3:/bucket", "file://relative/path", "s3://My_Bucket/x", "", "bucket"}) {
            assertThatThrownBy(() -> RepositoryUrl.parse(bad))
                    .isInstanceOfSatisfying(PitrException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
        }
        assertThatThrownBy(() -> RepositoryUrl.parse("s4://bucket")).hasMessageContaining("'s4://bucket'")
                .hasMessageContaining("expected s3://");
    }
}
