package dev.pitr.safety;

import dev.pitr.config.Settings;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.repo.S3Settings;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetyTest {
    private static Settings settings(String environment) {
        return new Settings(Optional.empty(), Optional.of("shop"), environment, Optional.of("s3://b/shop"), S3Settings.aws(),
                Optional.empty(), Optional.of(Path.of("/var/lib/postgresql/15/main")), "10.0.0.5", 5432, "postgres", Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), 3, Optional.empty(), false, 4,
                java.util.OptionalInt.empty(), Settings.Peers.DEFAULTS, Optional.empty());
    }

    private static Confirmation confirmation(String env, boolean yes, String cluster, String typed) {
        return new Confirmation(settings(env), new Confirmation.Options(yes, Optional.ofNullable(cluster)),
                prompt -> Optional.ofNullable(typed));
    }

    /** Ctrl-D at the prompt is "no", on production and elsewhere: only a missing terminal is "not asked". */
    @Test
    void endOfInputAtThePromptRefuses() {
        StringWriter shown = new StringWriter();
        Confirmation.Terminal atEof = Confirmation.reading(new BufferedReader(new StringReader("")),
                new PrintWriter(shown));
        assertThat(atEof.ask("Go on? [y/N] ")).contains("");
        assertThat(shown.toString()).isEqualTo("Go on? [y/N] ");
        for (String env : new String[]{"staging", "production"}) {
            assertThatThrownBy(() -> new Confirmation(settings(env), new Confirmation.Options(false, Optional.empty()),
                    atEof).require("restore in place"))
                    .isInstanceOfSatisfying(PitrException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.REFUSED))
                    .hasMessageContaining("not confirmed");
        }
    }

    @Test
    void productionNeedsTheTypedNameOrBothFlags() {
        assertThatCode(() -> confirmation("production", false, null, "shop").require("x")).doesNotThrowAnyException();
        assertThatThrownBy(() -> confirmation("production", false, null, "y").require("x"))
                .isInstanceOfSatisfying(PitrException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.REFUSED));
        assertThatThrownBy(() -> confirmation("production", false, null, null).require("x"))
                .hasMessageContaining("--yes --confirm-cluster shop");
        assertThatThrownBy(() -> confirmation("production", true, null, null).require("x"))
                .hasMessageContaining("needs --confirm-cluster shop");
        assertThatCode(() -> confirmation("production", true, "shop", null).require("x")).doesNotThrowAnyException();
    }

    @Test
    void otherEnvironmentsNeedAYesOrTheFlag() {
        assertThatCode(() -> confirmation("staging", false, null, "y").require("x")).doesNotThrowAnyException();
        assertThatThrownBy(() -> confirmation("staging", false, null, "").require("x")).hasMessageContaining("not confirmed");
        assertThatThrownBy(() -> confirmation("staging", false, null, null).require("x")).hasMessageContaining("pass --yes");
        assertThatCode(() -> confirmation("staging", true, null, null).require("x")).doesNotThrowAnyException();
    }

    @Test
    void theBannerIsLoudForProductionAndPlainWithoutColour() {
        assertThat(Banner.line(settings("production"), false))
                .isEqualTo("!! PRODUCTION !! cluster shop | 10.0.0.5:5432 | /var/lib/postgresql/15/main | repo s3://b/shop");
        assertThat(Banner.line(settings("production"), true)).startsWith("\u001b[1;37;41m");
        assertThat(Banner.line(settings("staging"), true)).startsWith("\u001b[1;32m[staging]");
        assertThat(Banner.fields(settings("staging"))).containsEntry("environment", "staging").containsKey("repository");
    }

    @Test
    void secretsAreRedacted() {
        assertThat(AuditLog.redact("pitr salvage --into 'host=db password=hunter2 user=x'"))
                .isEqualTo("pitr salvage --into 'host=db password=[REDACTED] user=x'");
        assertThat(AuditLog.redact("postgresql://admin:hunter2@db:5432/shop"))
                .isEqualTo("postgresql://admin:[REDACTED]@db:5432/shop");
        assertThat(AuditLog.redact("AWS_SECRET_ACCESS_KEY=abc PGPASSWORD=hunter2")).doesNotContain("abc")
                .doesNotContain("hunter2");
    }
}
