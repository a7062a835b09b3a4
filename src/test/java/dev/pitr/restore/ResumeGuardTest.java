package dev.pitr.restore;

import dev.pitr.core.ProgressBar;
import dev.pitr.testkit.PgCluster;
import dev.pitr.wal.Lsn;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
import dev.pitr.pg.PgBinaries;
import dev.pitr.pg.PgCtl;
import dev.pitr.repo.FileRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** resume, promote and abort are guarded like run: one at a time, on their own directory, on their own copy. */
class ResumeGuardTest {
    @TempDir
    Path dir;

    private RestorePlan plan(Path pgdata) {
        return TestPlans.plan(new RecoveryTarget.Xid(745), "latest", pgdata, 5555, List.of("000000010000000000000003"), Map.of());
    }

    /** The real steps over an empty file repository and this machine's PostgreSQL binaries. */
    private RestoreSteps steps() throws Exception {
        FileRepository repo = new FileRepository(Files.createDirectories(dir.resolve("repo")));
        return new RestoreSteps(repo, new PgCtl(PgBinaries.locate(Optional.empty())),
                new RestoreSteps.ServerAccess(Path.of("pitr"), Map.of(), Duration.ofMinutes(1), ProgressBar.NONE, 2),
                s -> { });
    }

    @Test
    void oneCommandAtATimeOnARestore() {
        Path state = dir.resolve("data.pitr");
        try (StateDirLock held = StateDirLock.acquire(state, "restore run")) {
            assertThatThrownBy(() -> StateDirLock.acquire(state, "restore resume")).isInstanceOf(PitrException.class)
                    .hasMessageContaining("another pitr command is working on the restore").hasMessageContaining("restore run");
        }
        StateDirLock.acquire(state, "restore resume").close(); // free again once the first one ended
    }

    @Test
    void aJournalThatNamesAnotherDirectoryIsRefused() throws Exception {
        Path pgdata = dir.resolve("data");
        RestoreJournal.begin(plan(pgdata)).save();
        Path journal = RestorePlan.stateDirFor(pgdata).resolve("journal.json");
        ObjectNode tree = (ObjectNode) Json.mapper().readTree(journal.toFile());
        ((ObjectNode) tree.get("plan")).put("pgdata", dir.resolve("production").toString());
        Files.write(journal, Json.mapper().writeValueAsBytes(tree));
        assertThatThrownBy(() -> RestoreRunner.loadOwn(RestorePlan.stateDirFor(pgdata))).isInstanceOf(PitrException.class)
                .hasMessageContaining("it was edited or moved");
        Path ok = dir.resolve("ok");
        RestoreJournal.begin(plan(ok)).save();
        assertThat(RestoreRunner.loadOwn(RestorePlan.stateDirFor(ok)).plan().pgdata()).isEqualTo(ok);
    }

    @Test
    void tablespacesMustEachGetADirectoryOfTheirOwnOutsideTheStateDirectory() throws Exception {
        Path pgdata = dir.resolve("data");
        RestoreSteps steps = steps();
        Path shared = dir.resolve("ts");
        RestorePlan twoInOne = withTablespaces(pgdata, Map.of("16390", shared, "16391", shared.resolve("inner")));
        assertThatThrownBy(() -> steps.preflight(twoInOne)).isInstanceOf(PitrException.class).hasMessageContaining("would share");
        RestorePlan intoState = withTablespaces(pgdata, Map.of("16390", RestorePlan.stateDirFor(pgdata).resolve("ts")));
        assertThatThrownBy(() -> steps.preflight(intoState)).hasMessageContaining("state directory");
    }

    private RestorePlan withTablespaces(Path pgdata, Map<String, Path> tablespaces) {
        return TestPlans.plan(new RecoveryTarget.Xid(745), "latest", pgdata, PgCluster.freePort(), List.of("000000010000000000000003"), tablespaces);
    }

    @Test
    void replayMustReadIntoTheLastSegmentOfTheTimelineBeingRestored() {
        List<String> wal = List.of("00000001000000000000000A", "00000001000000000000000B", "00000002000000000000000C",
                "00000002.history");
        RestorePlan one = TestPlans.plan(new RecoveryTarget.Latest(), "1", dir.resolve("d"), 5555, wal, Map.of());
        assertThat(RestoreSteps.lastPlannedLsn(one)).isEqualTo(Lsn.parse("0/B000001"));
        RestorePlan latest = TestPlans.plan(new RecoveryTarget.Latest(), "latest", dir.resolve("d"), 5555, wal, Map.of());
        assertThat(RestoreSteps.lastPlannedLsn(latest)).isEqualTo(Lsn.parse("0/C000001"));
    }

    @Test
    void aCopyEndsInTheLastSegmentOfTheTimelineItFollowsNotInALongerAbandonedOneNorInALaterOne() {
        List<String> wal = List.of("00000001000000000000000A", "00000001000000000000000B", "00000001000000000000000E",
                "00000002000000000000000B", "00000002000000000000000C", "00000002.history");
        RestorePlan latest = TestPlans.plan(new RecoveryTarget.Latest(), "latest", dir.resolve("d"), 5555, wal, Map.of());
        assertThat(ReplayStep.lastSegment(latest, latest.walFiles()).map(Object::toString))
                .contains("00000002000000000000000C");
        assertThat(RestoreSteps.lastPlannedLsn(latest)).isEqualTo(Lsn.parse("0/C000001"));
        RestorePlan one = TestPlans.plan(new RecoveryTarget.Latest(), "1", dir.resolve("d"), 5555, wal, Map.of());
        assertThat(ReplayStep.lastSegment(one, one.walFiles()).map(Object::toString))
                .as("--timeline 1 replays timeline 1 to its end, past timeline 2's fork")
                .contains("00000001000000000000000E");
    }

    @Test
    void theStateDirectoryIsPrivateLikePgdata() throws Exception {
        Path pgdata = dir.resolve("data");
        RestoreSteps steps = steps();
        steps.prepareStateDir(plan(pgdata));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(RestorePlan.stateDirFor(pgdata)))).isEqualTo("rwx------");
    }

    @Test
    void replayIsNotResumedOnADirectoryThatIsNotTheCopy() throws Exception {
        Path pgdata = Files.createDirectories(dir.resolve("data"));
        Files.writeString(pgdata.resolve("postgresql.auto.conf"), "# put back by hand: production's own settings\n");
        RestoreSteps steps = steps();
        assertThatThrownBy(() -> steps.checkResumable(plan(pgdata), RestoreState.REPLAY)).isInstanceOf(PitrException.class)
                .hasMessageContaining("does not hold this restore's recovery settings");
    }
}
