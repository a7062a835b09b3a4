package dev.pitr.safety;

import dev.pitr.repo.FileRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Each argument as it was given (a --check's SQL with its quotes), secrets redacted, one shared place per host. */
class AuditLogTest {
    @Test
    void everyArgumentIsKeptAsGivenAndTheCommandLineQuotedAsAShellWouldNeedIt(@TempDir Path dir) throws Exception {
        List<String> args = List.of("drill", "--check", "SELECT count(*) > 0 FROM t WHERE note = 'it''s'",
                "--into", "host=db password=hunter2", "--scratch", "/var/tmp/x");
        AuditLog.Record r = AuditLog.record(args, "shop", "production", Map.of(), 0, "ok");
        assertThat(r.args()).containsExactly("drill", "--check", "SELECT count(*) > 0 FROM t WHERE note = 'it''s'",
                "--into", "host=db password=[REDACTED]", "--scratch", "/var/tmp/x");
        assertThat(r.command()).isEqualTo("pitr drill --check 'SELECT count(*) > 0 FROM t WHERE note = '\\''it'\\'''\\''s'\\'''"
                + " --into 'host=db password=[REDACTED]' --scratch /var/tmp/x");
        // the shell gives back the same words from the quoted line
        Process sh = new ProcessBuilder("sh", "-c", "for a in " + r.command().substring("pitr ".length())
                + "; do printf '%s\\n' \"$a\"; done").start();
        assertThat(new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList())
                .isEqualTo(r.args());

        FileRepository repo = new FileRepository(Files.createDirectory(dir.resolve("repo")));
        Path local = dir.resolve("audit.jsonl");
        assertThat(new AuditLog(Optional.of(repo), local).write(r)).isEmpty();
        assertThat(new AuditLog(Optional.of(repo), local).list()).singleElement()
                .satisfies(back -> assertThat(back.args()).isEqualTo(r.args()));
        assertThat(Files.readString(local)).contains("\"args\":[\"drill\",\"--check\"");
    }

    @Test
    void aRecordFromBeforeArgsWereKeptStillReads(@TempDir Path dir) throws Exception {
        FileRepository repo = new FileRepository(Files.createDirectory(dir.resolve("repo")));
        repo.putIfAbsent(AuditLog.PREFIX + "20261101T000000.000Z-old.json", ("{\"at\":\"2026-11-01T00:00:00Z\","
                + "\"os_user\":\"root\",\"sudo_user\":\"\",\"host\":\"db1\",\"command\":\"pitr restore run\","
                + "\"cluster\":\"shop\",\"environment\":\"production\",\"exit_code\":0,\"outcome\":\"ok\"}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(new AuditLog(Optional.of(repo), dir.resolve("a.jsonl")).list()).singleElement()
                .satisfies(r -> assertThat(r.command()).isEqualTo("pitr restore run"));
    }

    @Test
    void theSharedDirectoryIsTheDefaultWhenThisUserMayWriteThere(@TempDir Path dir) throws Exception {
        Path shared = Files.createDirectory(dir.resolve("pitr-log"));
        assertThat(AuditLog.defaultLocalFile(Map.of(), shared)).isEqualTo(shared.resolve("audit.jsonl"));
        assertThat(AuditLog.defaultLocalFile(Map.of("PITR_AUDIT_LOG", "/x/a.jsonl"), shared)).isEqualTo(Path.of("/x/a.jsonl"));
        assertThat(AuditLog.defaultLocalFile(Map.of(), dir.resolve("absent")))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".local", "state", "pitr", "audit.jsonl"));
    }
}
