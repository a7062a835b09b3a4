package dev.pitr.restore;

import dev.pitr.wal.Lsn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The restored server's log as PostgreSQL 15 and pitr's restore_command write it, across a restart. */
class ServerLogDiagnosisTest {
    @TempDir
    Path dir;

    private static final String START = "2026-12-01 14:00:00.000 UTC [100] LOG:  starting PostgreSQL 15.18 (Debian) on x86_64";
    private static final String REFUSED = "pitr: s3://b/repo/wal/00000001/00000000/000000010000000000000015.pitr is from"
            + " another cluster (system identifier 42); it was not handed to PostgreSQL (run 'pitr wal verify --deep')";

    @Test
    void aRefusalCountsOnlySinceTheServerLastStartedAndRedoDoneIsRead() throws Exception {
        Path log = dir.resolve("server.log");
        Files.write(log, java.util.List.of(START, REFUSED,
                "2026-12-01 14:00:01.000 UTC [101] LOG:  redo done at 0/15000090 system usage: CPU: user: 0.01 s",
                "2026-12-01 14:00:01.000 UTC [101] FATAL:  recovery ended before configured recovery target was reached"));
        assertThat(ServerLogDiagnosis.stuck(log)).hasValueSatisfying(why ->
                assertThat(why).startsWith("s3://").contains("000000010000000000000015").contains("not handed"));
        assertThat(ServerLogDiagnosis.redoDoneAt(log)).contains(Lsn.parse("0/15000090"));
        assertThat(ServerLogDiagnosis.endedBeforeTarget(log)).isTrue();

        Files.write(log, java.util.List.of(START.replace("[100]", "[200]"),
                "2026-12-01 14:00:05.000 UTC [201] LOG:  redo done at 0/17000100 system usage: CPU: user: 0.01 s"),
                java.nio.file.StandardOpenOption.APPEND);
        assertThat(ServerLogDiagnosis.stuck(log)).as("the refusal was before this start").isEmpty();
        assertThat(ServerLogDiagnosis.redoDoneAt(log)).as("the newest").contains(Lsn.parse("0/17000100"));
    }
}
