package dev.pitr.backup;

import dev.pitr.wal.Lsn;
import dev.pitr.wal.WalSegmentName;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pitr.core.Json;
import dev.pitr.repo.FileRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** backup.json as the repository may hold it: complete, damaged, from a newer pitr, or tampered with. */
class BackupCatalogTest {
    @TempDir
    Path dir;

    private static BackupMetadata metadata(String id) {
        Instant day = Instant.parse(id.substring(0, 4) + "-" + id.substring(4, 6) + "-" + id.substring(6, 8) + "T01:00:00Z");
        return new BackupMetadata(BackupMetadata.FORMAT_VERSION, id, "nightly", Lsn.parse("0/2000028"), Lsn.parse("0/2000100"),
                day, day.plusSeconds(5), 1,
                WalSegmentName.parse("000000010000000000000002").orElseThrow(),
                WalSegmentName.parse("000000010000000000000002").orElseThrow(), "7300000000000000001", 15, "15.8",
                16 * 1024 * 1024, 30_000_000, List.of(new BackupMetadata.BackupFile("base.tar", "backups/" + id
                + "/base.tar.zst", 30_000_000, 4_000_000, "ab".repeat(32))), "backups/" + id + "/backup_manifest");
    }

    private void store(FileRepository repo, String id, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode tree = Json.mapper().valueToTree(metadata(id));
        edit.accept(tree);
        repo.put(BackupCatalog.prefix(id) + BackupCatalog.METADATA, Json.mapper().writeValueAsBytes(tree));
    }

    @Test
    void eachDamagedOrForeignMetadataIsNamedAndNeverUsedOrExpired() throws Exception {
        FileRepository repo = new FileRepository(Files.createDirectories(dir.resolve("repo")));
        store(repo, "20261101T010000Z", t -> { });
        store(repo, "20261102T010000Z", t -> t.put("format_version", 2));
        store(repo, "20261103T010000Z", t -> t.put("retention_class", "gold"));
        store(repo, "20261104T010000Z", t -> t.remove("stop_lsn"));
        store(repo, "20261105T010000Z", t -> t.put("id", "20261101T010000Z"));
        store(repo, "20261106T010000Z", t -> t.put("timeline", "one"));
        repo.put(BackupCatalog.prefix("20261107T010000Z") + BackupCatalog.METADATA,
                "{\"format_version\": 1, \"id\": \"2026".getBytes(StandardCharsets.UTF_8));
        repo.put(BackupCatalog.prefix("20261108T010000Z") + "base.tar.zst", new byte[]{1}); // interrupted: no metadata
        store(repo, "20261109T010000Z", t -> { });
        store(repo, "20261110T010000Z", t -> ((ObjectNode) t.get("files").get(0)).put("sha256_of_what", "ab"));
        store(repo, "20261111T010000Z", t -> ((ObjectNode) t.get("files").get(0)).remove("sha256"));
        store(repo, "20261112T010000Z", t -> ((ObjectNode) t.get("files").get(0)).put("stored_sha256", "cd".repeat(32))
                .remove("sha256")); // a newer backup: proven by its stored digest

        Map<String, BackupCatalog.Entry> entries = new BackupCatalog(repo).list().stream()
                .collect(Collectors.toMap(BackupCatalog.Entry::id, e -> e));
        assertThat(entries.get("20261101T010000Z").status()).isEqualTo("complete");
        assertThat(entries.get("20261109T010000Z").status()).isEqualTo("complete");
        assertThat(entries.get("20261102T010000Z").problem()).hasValueSatisfying(p ->
                assertThat(p).contains("20261102T010000Z").contains("newer pitr (format 2"));
        assertThat(entries.get("20261103T010000Z").problem()).hasValueSatisfying(p ->
                assertThat(p).contains("unknown field 'retention_class'"));
        assertThat(entries.get("20261104T010000Z").problem()).hasValueSatisfying(p ->
                assertThat(p).contains("missing the field 'stop_lsn'"));
        assertThat(entries.get("20261105T010000Z").problem()).hasValueSatisfying(p ->
                assertThat(p).contains("describes backup '20261101T010000Z'"));
        assertThat(entries.get("20261106T010000Z").problem()).hasValueSatisfying(p ->
                assertThat(p).contains("wrong type"));
        assertThat(entries.get("20261107T010000Z").problem()).hasValueSatisfying(p ->
                assertThat(p).contains("not valid JSON"));
        assertThat(entries.get("20261108T010000Z").interrupted()).isTrue();
        assertThat(entries.get("20261110T010000Z").problem()).hasValueSatisfying(p ->
                assertThat(p).contains("unknown field 'sha256_of_what'"));
        assertThat(entries.get("20261111T010000Z").problem()).hasValueSatisfying(p -> assertThat(p).contains("no digest"));
        assertThat(entries.get("20261112T010000Z").metadata().orElseThrow().files().get(0).storedSha256())
                .isEqualTo("cd".repeat(32));
        assertThat(entries.values().stream().filter(BackupCatalog.Entry::complete).count()).isEqualTo(3);

        // expire may delete what was interrupted, never a backup it merely cannot read
        Expirer.Plan plan = new Expirer(repo).plan(Optional.of(5), Optional.empty(), Instant.parse("2026-11-24T12:00:00Z"));
        assertThat(plan.incompleteBackups()).containsExactly("20261108T010000Z");
        assertThat(plan.expiredBackups()).isEmpty();
    }
}
