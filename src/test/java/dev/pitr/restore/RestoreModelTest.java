package dev.pitr.restore;

import dev.pitr.wal.Lsn;
import dev.pitr.core.PitrException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RestoreModelTest {
    @Test
    void theTransitionTableIsTheRunbookOrder() {
        RestoreState s = RestoreState.PREFLIGHT;
        StringBuilder path = new StringBuilder(s.name());
        while (s.next().isPresent()) {
            s = s.next().get();
            path.append(">").append(s);
        }
        assertThat(path).hasToString("PREFLIGHT>FETCH_BACKUP>PREFETCH_WAL>CONFIGURE>REPLAY>VERIFY>READY");
        assertThat(RestoreState.READY.isStep()).isFalse();
        assertThat(RestoreState.FAILED.next()).isEmpty();
    }

    @Test
    void targetTimesCarryOrGetAZone() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        assertThat(RecoveryTarget.parseTime("2026-03-25T14:13:00+01:00", berlin)).isEqualTo(Instant.parse("2026-03-25T13:13:00Z"));
        assertThat(RecoveryTarget.parseTime("2026-03-25 14:13:00 America/New_York", berlin)).isEqualTo(Instant.parse("2026-03-25T18:13:00Z"));
        assertThat(RecoveryTarget.parseTime("2026-03-25 14:13:00", berlin)).isEqualTo(Instant.parse("2026-03-25T13:13:00Z"));
        assertThat(RecoveryTarget.parseTime("2026-03-25T14:13:00.250Z", berlin)).isEqualTo(Instant.parse("2026-03-25T14:13:00.250Z"));
        assertThatThrownBy(() -> RecoveryTarget.parseTime("yesterday", berlin)).isInstanceOf(PitrException.class)
                .hasMessageContaining("'yesterday'");
        assertThat(new RecoveryTarget.Time(Instant.parse("2026-03-25T13:13:00Z")).settings())
                .containsEntry("recovery_target_time", "2026-03-25 13:13:00.000000+00:00");
    }

    @Test
    void journalRecordsEveryStepAndSurvivesARoundTrip(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        RestorePlan plan = TestPlans.plan(new RecoveryTarget.Xid(745), "latest", dir.resolve("data"), 5555, java.util.List.of("000000010000000000000003"), java.util.Map.of());
        RestoreJournal j = RestoreJournal.begin(plan).started(RestoreState.PREFLIGHT)
                .completed(RestoreState.PREFLIGHT, 0, RestoreState.FETCH_BACKUP)
                .started(RestoreState.FETCH_BACKUP).failed(RestoreState.FETCH_BACKUP, "disk full");
        j.save();
        RestoreJournal back = RestoreJournal.load(plan.stateDir());
        var stored = dev.pitr.core.Json.mapper().readTree(plan.journalFile().toFile());
        assertThat(stored.get("format_version").asInt()).isEqualTo(RestoreJournal.FORMAT_VERSION);
        assertThat(stored.get("plan").get("port").asInt()).as("scripts read plan.port").isEqualTo(5555);
        ((com.fasterxml.jackson.databind.node.ObjectNode) stored).remove("format_version");
        java.nio.file.Files.write(plan.journalFile(), dev.pitr.core.Json.mapper().writeValueAsBytes(stored));
        assertThatThrownBy(() -> RestoreJournal.load(plan.stateDir())).hasMessageContaining("written by an older pitr");
        j.save();
        assertThat(back.state()).isEqualTo(RestoreState.FAILED);
        assertThat(back.failedStep()).isEqualTo(RestoreState.FETCH_BACKUP);
        assertThat(back.plan().target()).isEqualTo(new RecoveryTarget.Xid(745));
        assertThat(back.steps()).extracting(RestoreJournal.Step::outcome).containsExactly("done", "failed: disk full");
        assertThat(back.completedBefore(RestoreState.PREFLIGHT)).isTrue();
        assertThat(back.completedBefore(RestoreState.FETCH_BACKUP)).isFalse();
    }

    @Test
    void valueTypesAreStoredAsThePostgresTextTheyStandFor() throws Exception {
        var mapper = dev.pitr.core.Json.mapper();
        String json = mapper.writeValueAsString(new RecoveryTarget.AtLsn(Lsn.parse("16/B374D848")));
        assertThat(json).contains("\"lsn\" : \"16/B374D848\"");
        assertThat(mapper.readValue(json, RecoveryTarget.class)).isEqualTo(new RecoveryTarget.AtLsn(Lsn.parse("16/B374D848")));
        var segment = dev.pitr.wal.WalSegmentName.parse("000000010000000A000000FF").orElseThrow();
        assertThat(mapper.writeValueAsString(segment)).isEqualTo("\"000000010000000A000000FF\"");
        assertThat(mapper.readValue("\"000000010000000A000000FF\"", dev.pitr.wal.WalSegmentName.class)).isEqualTo(segment);
    }
}
