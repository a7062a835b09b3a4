package dev.pitr.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class PermissionsTest {
    @TempDir
    Path dir;

    @Test
    void aDeniedFileIsNamedWithItsOwnerModeAndTheUserPitrRunsAs() throws Exception {
        Path f = Files.writeString(dir.resolve("pitr.json"), "{}");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String owner = Files.getOwner(f).getName();
        PitrException wrapped = PitrException.io("cannot write " + f, new AccessDeniedException(f.toString()));
        assertThat(Permissions.explain(wrapped)).hasValueSatisfying(s -> assertThat(s)
                .contains("permission denied on " + f).contains("owned by " + owner).contains("rw-------")
                .contains("pitr runs as " + System.getProperty("user.name")));
        // a file that could not be created: its directory is what decides
        assertThat(Permissions.explain(new AccessDeniedException(dir.resolve("new/x").toString())))
                .hasValueSatisfying(s -> assertThat(s).contains("(in " + dir + ")"));
        assertThat(Permissions.explain(new IllegalStateException("other"))).isEmpty();
    }
}
