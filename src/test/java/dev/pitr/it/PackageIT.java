package dev.pitr.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.safety.AuditLog;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What 'mvn package' ships, used from where it is installed only: the release tarball unpacked into a clean
 * prefix outside the checkout, and the Debian package installed with dpkg. Each launcher archives a real
 * PostgreSQL 15, takes a backup, runs check and a drill.
 */
class PackageIT {
    static ProcessRunner.Result run(Path pitr, String... args) {
        List<String> command = new ArrayList<>(List.of(pitr.toString()));
        command.addAll(List.of(args));
        return ProcessRunner.run(command, Map.of(), Duration.ofMinutes(5));
    }

    @Test
    void theTarballInstalledInACleanPrefixArchivesBacksUpChecksAndDrills() throws Exception {
        Path prefix = Files.createTempDirectory("pitr-prefix-");
        try {
            Files.setPosixFilePermissions(prefix, PosixFilePermissions.fromString("rwxr-xr-x"));
            ProcessRunner.Result untar = ProcessRunner.run(List.of("tar", "xzf", built("pitr-.*-dist\\.tar\\.gz")
                    .toAbsolutePath().toString(), "-C", prefix.toString(), "--strip-components=1"), Map.of(),
                    Duration.ofMinutes(1));
            assertThat(untar.exitCode()).as(untar.stderr()).isZero();
            assertThat(prefix.resolve("etc/pitr.yaml.example")).exists();
            assertThat(prefix.resolve("share/systemd/pitr-drill.timer")).exists();
            assertThat(prefix.resolve("share/systemd/pitr-metrics.timer")).exists();
            assertThat(prefix.resolve("share/bash-completion/completions/pitr")).content().contains("_complete_pitr");
            assertThat(prefix.resolve("share/man/man1/pitr-restore-run.1")).content().contains(".TH PITR-RESTORE-RUN");
            archiveBackUpCheckAndDrill(prefix.resolve("bin/pitr"));
        } finally {
            TestDirs.delete(prefix);
        }
    }

    /** The Debian package installed on this machine (as root, with dpkg), used from /usr/bin, then removed. */
    @Test
    void theDebianPackageInstallsRunsAndRemovesCleanly() throws Exception {
        assumeTrue(ProcessRunner.runningAsRoot() && Files.isExecutable(Path.of("/usr/bin/dpkg")),
                "installing a package needs root and dpkg (CI has both)");
        Path deb = built("pitr_.*\\.deb");
        ProcessRunner.Result install = ProcessRunner.run(List.of("dpkg", "-i", deb.toAbsolutePath().toString()),
                Map.of(), Duration.ofMinutes(3));
        try {
            assertThat(install.exitCode()).as(install.stdout() + install.stderr()).isZero();
            assertThat(Path.of("/usr/share/pitr/pitr.jsa")).as("postinst built the class-data archive").exists();
            assertThat(Path.of("/etc/pitr/pitr.yaml.example")).exists();
            assertThat(Path.of("/lib/systemd/system/pitr-drill.timer")).exists();
            assertThat(Path.of("/lib/systemd/system/pitr-metrics.timer")).exists();
            assertThat(Path.of("/usr/share/bash-completion/completions/pitr")).content().contains("_complete_pitr");
            assertThat(ProcessRunner.run(List.of("sh", "-c", "zcat /usr/share/man/man1/pitr.1.gz"), Map.of(),
                    Duration.ofSeconds(30)).stdout()).contains(".TH PITR").contains("restore");
            Path log = AuditLog.SHARED_DIR;
            assertThat(ProcessRunner.run(List.of("stat", "-c", "%a", log.toString()), Map.of(), Duration.ofSeconds(30))
                    .stdout().strip()).as("setgid: what is created there is the group's").isEqualTo("2770");
            assertThat(Files.readAttributes(log, PosixFileAttributes.class).group().getName()).isEqualTo("postgres");
            archiveBackUpCheckAndDrill(Path.of("/usr/bin/pitr"));
            // root's drill is in the host's shared trail, each argument as given, and the server user may append
            assertThat(Files.readString(log.resolve("audit.jsonl"))).contains("\"args\":[\"--config\"").contains("\"drill\"");
            ProcessRunner.Result asPostgres = ProcessRunner.run(ProcessRunner.asServerUser(List.of("sh", "-c",
                    "echo >> " + log.resolve("audit.jsonl"))), Map.of(), Duration.ofSeconds(30));
            assertThat(asPostgres.exitCode()).as("postgres appends to the shared trail: " + asPostgres.stderr()).isZero();
        } finally {
            ProcessRunner.Result purge = ProcessRunner.run(List.of("dpkg", "--purge", "pitr"), Map.of(),
                    Duration.ofMinutes(3));
            assertThat(purge.exitCode()).as(purge.stdout() + purge.stderr()).isZero();
        }
        assertThat(Path.of("/usr/bin/pitr")).doesNotExist();
        assertThat(Path.of("/usr/share/pitr")).doesNotExist();
        assertThat(AuditLog.SHARED_DIR).as("purged with the package").doesNotExist();
    }

    static Path built(String pattern) throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches(pattern)).findFirst()
                    .orElseThrow(() -> new AssertionError("no target/" + pattern + ": 'mvn package' builds it"));
        }
    }

    /** From the installed launcher only: its version, archiving, a backup, check, and a drill. */
    static void archiveBackUpCheckAndDrill(Path pitr) throws Exception {
        assertThat(Files.isExecutable(pitr)).isTrue();
        ProcessRunner.Result version = run(pitr, "--version");
        assertThat(version.exitCode()).as(version.stderr()).isZero();
        assertThat(version.stdout()).startsWith("pitr ").contains("commit").doesNotContain("pitr dev");
        Path work = TestDirs.shared("pitr-package-");
        Path repo = TestDirs.serverOwned("pitr-package-repo-");
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
            assertThat(ReadinessIT.finding(findings, "archive_command").get("value").asText()).contains(pitr.toString());
            assertThat(ReadinessIT.finding(findings, "repository").get("level").asText()).isEqualTo("OK");
            JsonNode restoreCommand = ReadinessIT.finding(findings, "restore_command");
            assertThat(restoreCommand.get("level").asText()).as(restoreCommand.toString()).isEqualTo("OK");
            assertThat(restoreCommand.get("value").asText()).isEqualTo(pitr + " --config " + config + " --cluster main wal fetch %f %p");

            ProcessRunner.Result metrics = run(pitr, "--config", config.toString(), "metrics");
            assertThat(metrics.exitCode()).as(metrics.stderr()).isZero();
            assertThat(metrics.stdout()).containsPattern("(?m)^pitr_backups_complete\\{[^}]*\\} 1\\.0$")
                    .contains("pitr_wal_newest_archived_timestamp_seconds{");

            Path report = work.resolve("drill.json");
            ProcessRunner.Result drill = run(pitr, "--config", config.toString(), "drill", "--scratch",
                    work.resolve("scratch").toString(), "--report-json", report.toString());
            assertThat(drill.exitCode()).as(drill.stdout() + drill.stderr()).isZero();
            assertThat(Json.mapper().readTree(report.toFile()).get("success").asBoolean()).isTrue();
        } finally {
            TestDirs.delete(work);
            TestDirs.delete(repo);
        }
    }
}
