package dev.pitr.core;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The one JSON style: snake_case keys, paths as paths, times as text; records written before it still read. */
class JsonTest {
    record Sample(Path stateDir, Instant createdAt, long walBytes) {
    }

    @Test
    void keysAreSnakeCasePathsArePathsAndTimesAreText() throws Exception {
        Sample s = new Sample(Path.of("/var/lib/pitr/copy data"), Instant.parse("2026-12-05T10:00:00Z"), 42);
        JsonNode tree = Json.mapper().readTree(Json.mapper().writeValueAsString(s));
        assertThat(tree.get("state_dir").asText()).isEqualTo("/var/lib/pitr/copy data");
        assertThat(tree.get("created_at").asText()).isEqualTo("2026-12-05T10:00:00Z");
        assertThat(tree.get("wal_bytes").asLong()).isEqualTo(42);
        assertThat(Json.mapper().readValue(Json.mapper().writeValueAsString(s), Sample.class)).isEqualTo(s);
    }

    @Test
    void aPathWrittenAsAFileUriBeforeStillReads() throws Exception {
        Sample old = Json.mapper().readValue("{\"state_dir\": \"file:///var/lib/pitr/copy%20data/\","
                + " \"created_at\": \"2026-12-05T10:00:00Z\", \"wal_bytes\": 1}", Sample.class);
        assertThat(old.stateDir()).isEqualTo(Path.of("/var/lib/pitr/copy data"));
    }
}
