package dev.pitr.source;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Another tool's program: missing, it is a usage error naming its package; failing, its own first line. */
class PeerToolTest {
    @Test
    void aToolThatIsNotInstalledIsOneLineNamingItsDebianPackage() {
        PeerTool missing = new PeerTool("pitr-no-such-tool", "pitr-no-such-package", "its repositories", List.of(),
                false, Map.of());
        PitrException e = catchThrowableOfType(() -> missing.run("info"), PitrException.class);
        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(e.getMessage()).isEqualTo("pitr-no-such-tool is not installed, and pitr reads its repositories"
                + " through it: apt install pitr-no-such-package");
    }

    @Test
    void aFailingToolIsAnIoFailureCarryingItsFirstLine() {
        PeerTool sh = new PeerTool("sh", "dash", "a test repository", List.of("-c",
                "echo 'no such stanza' >&2; echo more >&2; exit 3"), false, Map.of());
        PitrException e = catchThrowableOfType(() -> sh.run("info"), PitrException.class);
        assertThat(e.exitCode()).isEqualTo(ExitCode.IO_FAILURE);
        assertThat(e.getMessage()).isEqualTo("sh info for a test repository failed (exit 3): no such stanza");
    }

    @Test
    void barmansLogStampIsLeftOffAndAnOptionIsNotCalledItsCommand() {
        PeerTool sh = new PeerTool("sh", "dash", "Barman's cloud archives", List.of("-c",
                "echo '2026-12-05 13:24:56,743 [18855] ERROR: Bucket b does not exist' >&2; exit 1"), false, Map.of());
        PitrException e = catchThrowableOfType(() -> sh.run("--format", "json"), PitrException.class);
        assertThat(e.getMessage()).isEqualTo("sh for Barman's cloud archives failed (exit 1): ERROR: Bucket b does not exist");
    }
}
