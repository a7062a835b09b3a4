package dev.pitr.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The release tarball that 'mvn package' builds, unpacked into a clean prefix outside the checkout and used
 * from there only: its launcher archives a real PostgreSQL 15, takes a backup, checks and runs a drill.
 */
class PackageIT {
    static Path tarball() throws IOException {
        try (Stream<Path> built = Files.list(Path.of("target"))) {
            return built.filter(p -> p.getFileName().toString().matches("pitr-.*-dist\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no target/pitr-*-dist.tar.gz: 'mvn package' builds it"));
        }
    }

    static ProcessRunner.Result run(Path pitr, String... args) {
        List<String> command = new ArrayList<>(List.of(pitr.toString()));
        command.addAll(List.of(args));
        return ProcessRunner.run(command, Map.of(), Duration.ofMinutes(5));
    }

    @Test
    void theTarballInstalledInACleanPrefixArchivesBacksUpChecksAndDrills() throws Exception {
        Path prefix = Files.createTempDirectory("pitr-prefix-");
        Path work = TestDirs.shared("pitr-package-");
        Path repo = TestDirs.serverOwned("pitr-package-repo-");
        try {
            Files.setPosixFilePermissions(prefix, PosixFilePermissions.fromString("rwxr-xr-x"));
            ProcessRunner.Result untar = ProcessRunner.run(List.of("tar", "xzf", tarball().toAbsolutePath().toString(),
                    "-C", prefix.toString(), "--strip-components=1"), Map.of(), Duration.ofMinutes(1));
            assertThat(untar.exitCode()).as(untar.stderr()).isZero();
            Path pitr = prefix.resolve("bin/pitr");
            assertThat(Files.isExecutable(pitr)).isTrue();
            assertThat(prefix.resolve("etc/pitr.yaml.example")).exists();
            assertThat(prefix.resolve("share/systemd/pitr-drill.timer")).exists();

            ProcessRunner.Result version = run(pitr, "--version");
            assertThat(version.exitCode()).as(version.stderr()).isZero();
            assertThat(version.stdout()).startsWith("pitr ").doesNotContain("dev");

            Path config = Files.writeString(work.resolve("pitr.yaml"), """
                    clusters:
                      main:
                        environment: test
                        repo: file://%s
                    """.formatted(repo));
            try (PgCluster pg = PgCluster.start(Map.of("wal_level", "replica", "archive_mode", "on",
                    "archive_command", "'" + pitr + " --config " + config + " wal push %p'"), Map.of())) {
                Files.writeString(config, Files.readString(config) + "    port: " + pg.port() + "\n");
                pg.execute("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g");
                ProcessRunner.Result backup = run(pitr, "--config", config.toString(), "backup", "create");
                assertThat(backup.exitCode()).as(backup.stderr()).isZero();
                pg.execute("INSERT INTO t SELECT g FROM generate_series(1001, 1100) g");
                ArchiveIT.waitUntilArchived(pg, pg.query("SELECT pg_walfile_name(pg_switch_wal())"));

                ProcessRunner.Result check = run(pitr, "--config", config.toString(), "--json", "check");
                JsonNode findings = Json.mapper().readTree(check.stdout());
                assertThat(ReadinessIT.finding(findings, "archive_command").get("value").asText())
                        .contains(pitr.toString());
                assertThat(ReadinessIT.finding(findings, "repository").get("level").asText()).isEqualTo("OK");

                Path report = work.resolve("drill.json");
                ProcessRunner.Result drill = run(pitr, "--config", config.toString(), "drill", "--scratch",
                        work.resolve("scratch").toString(), "--report-json", report.toString());
                assertThat(drill.exitCode()).as(drill.stdout() + drill.stderr()).isZero();
                assertThat(Json.mapper().readTree(report.toFile()).get("success").asBoolean()).isTrue();
            }
        } finally {
            TestDirs.delete(prefix);
            TestDirs.delete(work);
            TestDirs.delete(repo);
        }
    }
}
