package dev.pitr.config;

import dev.pitr.core.PitrException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsResolverTest {
    @TempDir
    Path dir;

    private static final SettingsResolver.Flags NO_FLAGS =
            new SettingsResolver.Flags(Optional.empty(), Optional.empty(), Optional.empty());

    private Path writeConfig() throws Exception {
        return Files.writeString(dir.resolve("pitr.yaml"), """
                default-cluster: prod
                clusters:
                  prod:
                    environment: production
                    repo: s3://prod-wal/main
                    s3:
                      endpoint: http://127.0.0.1:9000
                      region: eu-west-1
                    port: 5433
                    pgdata: /var/lib/postgresql/15/main
                  staging:
                    environment: staging
                    repo: file:///srv/pitr
                """);
    }

    @Test
    void readsTheDefaultClusterFromTheFileInTheWorkingDirectory() throws Exception {
        writeConfig();
        Settings s = new SettingsResolver(Map.of(), dir).resolve(NO_FLAGS);
        assertThat(s.clusterName()).contains("prod");
        assertThat(s.isProduction()).isTrue();
        assertThat(s.repo()).contains("s3://prod-wal/main");
        assertThat(s.s3().region()).isEqualTo("eu-west-1");
        assertThat(s.s3().pathStyle()).as("custom endpoints default to path-style").isTrue();
        assertThat(s.port()).isEqualTo(5433);
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFile() throws Exception {
        Path cfg = writeConfig();
        Map<String, String> env = Map.of("PITR_CLUSTER", "staging", "PITR_REPO", "file:///from-env",
                "PITR_PGPORT", "6000");
        Settings fromEnv = new SettingsResolver(env, Path.of("/")).resolve(
                new SettingsResolver.Flags(Optional.of(cfg), Optional.empty(), Optional.empty()));
        assertThat(fromEnv.clusterName()).contains("staging");
        assertThat(fromEnv.environment()).isEqualTo("staging");
        assertThat(fromEnv.repo()).contains("file:///from-env");
        assertThat(fromEnv.port()).isEqualTo(6000);
        Settings fromFlags = new SettingsResolver(env, Path.of("/")).resolve(
                new SettingsResolver.Flags(Optional.of(cfg), Optional.of("prod"), Optional.of("file:///flag")));
        assertThat(fromFlags.clusterName()).contains("prod");
        assertThat(fromFlags.repo()).contains("file:///flag");
    }

    @Test
    void badConfigIsAOneLineUsageError() throws Exception {
        writeConfig();
        assertThatThrownBy(() -> new SettingsResolver(Map.of("PITR_CLUSTER", "prdo"), dir).resolve(NO_FLAGS))
                .isInstanceOf(PitrException.class).hasMessageContaining("cluster 'prdo' is not in")
                .hasMessageContaining("prod, staging");
        Files.writeString(dir.resolve("typo.yaml"), "clusters:\n  a:\n    repoo: s3://x\n");
        assertThatThrownBy(() -> new SettingsResolver(Map.of(), dir).resolve(
                new SettingsResolver.Flags(Optional.of(Path.of("typo.yaml")), Optional.empty(), Optional.empty())))
                .hasMessageContaining("typo.yaml line 3: unknown key 'clusters.a.repoo': did you mean 'repo'?")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("java.util").doesNotContain("\n"));
        Files.writeString(dir.resolve("shape.yaml"), "clusters:\n  a:\n    compress-level: [3]\n");
        assertThatThrownBy(() -> new SettingsResolver(Map.of(), dir).resolve(
                new SettingsResolver.Flags(Optional.of(Path.of("shape.yaml")), Optional.empty(), Optional.empty())))
                .hasMessageContaining("shape.yaml line 3: 'clusters.a.compress-level' must be a number")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("java.lang"));
        assertThatThrownBy(() -> new SettingsResolver(Map.of("PITR_CONFIG", "/nope.yaml"), dir).resolve(NO_FLAGS))
                .hasMessageContaining("config file /nope.yaml does not exist");
    }
}
