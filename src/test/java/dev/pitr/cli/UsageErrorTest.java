package dev.pitr.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A flag or argument pitr cannot take: one line naming it, where the usage is, exit 2; a document under --json. */
class UsageErrorTest {
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out), new PrintWriter(err), Map.of(), Path.of(""));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void anUnknownFlagIsOneLineAndAHintNotTheWholeUsage() {
        Run r = run("info", "--bogus");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines()).containsExactly("pitr: Unknown option: '--bogus'", "hint: see 'pitr info --help'");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void underJsonTheFailureIsAlsoADocumentOnStdout() throws Exception {
        for (String[] args : new String[][]{{"--json", "info", "--bogus"}, {"info", "--bogus", "--json"}}) {
            Run r = run(args);
            JsonNode doc = Json.mapper().readTree(r.out());
            assertThat(doc.get("error").asText()).isEqualTo("Unknown option: '--bogus'");
            assertThat(doc.get("exit").asInt()).isEqualTo(2);
            assertThat(doc.get("hint").asText()).isEqualTo("see 'pitr info --help'");
        }
    }

    @Test
    void aRestoreWithoutATargetNamesTheTargetsItCouldHaveHad() {
        Run r = run("restore", "run", "--pgdata", "/tmp/x");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines().findFirst()).hasValueSatisfying(line -> assertThat(line)
                .startsWith("pitr: missing: one of --target-time, --target-xid").contains("--target-from-log"));
        assertThat(r.err().lines().count()).isEqualTo(2);
    }

    @Test
    void theVersionNamesTheRelease() {
        Run r = run("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("pitr ").contains("(commit ").contains("Java 17");
    }
}
