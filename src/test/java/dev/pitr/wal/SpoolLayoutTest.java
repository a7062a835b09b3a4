package dev.pitr.wal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher script and the Java side agree on the spool: its fast paths, run for real without a JVM (a
 * missing jar makes any slow path fail), find what SpoolLayout lays out, and leave what the Java side reads.
 */
class SpoolLayoutTest {
    static final Path LAUNCHER = Path.of("scripts/pitr");
    static final String SEGMENT = "000000010000000000000003";

    @TempDir
    Path dir;

    static int launch(List<String> args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("sh", LAUNCHER.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(Map.of("PITR_JAR", "/nonexistent/pitr.jar")); // a JVM start would fail (exit 5)
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @Test
    void theScriptNamesWhatTheLayoutNames() throws Exception {
        String script = Files.readString(LAUNCHER);
        assertThat(script).contains("/" + SpoolLayout.ARCHIVE_OUT + "\"").contains(SpoolLayout.ACK_SUFFIX)
                .contains("/" + SpoolLayout.PUSHER_PID + "\"").contains(SpoolLayout.ERROR_SUFFIX + "\"")
                .contains("wal " + SpoolLayout.PUSHER_COMMAND + " --spool").contains("\" " + SpoolLayout.PUSHER_COMMAND + " \"")
                .contains("/" + SpoolLayout.ARCHIVE_IN + "\"").contains("/" + SpoolLayout.ASKED)
                .contains(SpoolLayout.TEMP_SUFFIX).contains("$5" + SpoolLayout.ABSENT_SUFFIX)
                .contains("-mmin -" + SpoolLayout.ABSENT_MINUTES).contains("$5" + SpoolLayout.FETCHING_SUFFIX)
                .contains("-lt " + SpoolLayout.FETCHING_WAIT_SECONDS * 20 + " ]"); // 20 waits of 0.05 s per second
    }

    @Test
    void aPrefetchedSegmentIsHandedOverWithoutAJvm() throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Files.writeString(SpoolLayout.prefetched(spool, SEGMENT), "segment bytes");
        Path dest = dir.resolve("pg_wal/RECOVERYXLOG");
        Files.createDirectories(dest.getParent());
        assertThat(launch(List.of("wal", "fetch", "--spool", spool.toString(), SEGMENT, dest.toString()))).isZero();
        assertThat(Files.readString(dest)).isEqualTo("segment bytes");
        assertThat(dest.resolveSibling(dest.getFileName() + SpoolLayout.TEMP_SUFFIX)).doesNotExist();
        assertThat(launch(List.of("wal", "fetch", "--spool", spool.toString(), "000000010000000000000004",
                dest.toString()))).as("not in the spool: the slow path (no jar here)").isEqualTo(5);
    }

    @Test
    void aSegmentBeingFetchedAheadIsWaitedForAndHandedOverWithoutAJvm() throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path note = Files.writeString(SpoolLayout.fetching(spool, SEGMENT), "");
        Path dest = dir.resolve("RECOVERYXLOG");
        Thread fetcher = new Thread(() -> { // the fetch-ahead finishing its download half a second later
            try {
                Thread.sleep(500);
                Files.writeString(SpoolLayout.prefetched(spool, SEGMENT), "fetched ahead");
                Files.delete(note);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        fetcher.start();
        long t0 = System.nanoTime();
        assertThat(launch(List.of("wal", "fetch", "--spool", spool.toString(), SEGMENT, dest.toString()))).isZero();
        fetcher.join();
        assertThat(Files.readString(dest)).isEqualTo("fetched ahead");
        assertThat(System.nanoTime() - t0).as("it waited for the download").isGreaterThan(400_000_000L);
        assertThat(launch(List.of("wal", "fetch", "--spool", spool.toString(), "000000010000000000000009",
                dest.toString()))).as("no note: the slow path at once (no jar here)").isEqualTo(5);
    }

    @Test
    void aHistoryFileFoundAbsentAMomentAgoIsAnsweredWithoutAJvmAndAnOldNoteIsNot() throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path dest = dir.resolve("RECOVERYHISTORY");
        List<String> probe = List.of("wal", "fetch", "--spool", spool.toString(), "00000002.history", dest.toString());
        assertThat(launch(probe)).as("no note: the slow path").isEqualTo(5);
        Path note = Files.writeString(SpoolLayout.absent(spool, "00000002.history"), "");
        assertThat(launch(probe)).as("not in the repository").isEqualTo(dev.pitr.core.ExitCode.NOT_FOUND.code());
        assertThat(dest).doesNotExist();
        Files.setLastModifiedTime(note, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(300)));
        assertThat(launch(probe)).as("an old note: the repository is asked again").isEqualTo(5);
        Files.writeString(SpoolLayout.absent(spool, SEGMENT), "");
        assertThat(launch(List.of("wal", "fetch", "--spool", spool.toString(), SEGMENT, dest.toString())))
                .as("only history files are answered by a note").isEqualTo(5);
    }

    @Test
    void anAcknowledgedSegmentIsAnsweredAndTheAsyncQueueIsFollowed() throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Files.createDirectories(SpoolLayout.archiveOut(spool));
        Path pgdata = Files.createDirectories(dir.resolve("data"));
        Path ready = readySegment(pgdata);
        Path ok = Files.writeString(SpoolLayout.acknowledgement(spool, SEGMENT), "");
        Files.setLastModifiedTime(ok, java.nio.file.attribute.FileTime.fromMillis( // stored after it was ready
                Files.getLastModifiedTime(ready).toMillis() + 50));
        assertThat(archiveCommand(pgdata, Map.of(), "wal", "push", "--async", "--spool", spool.toString(),
                "pg_wal/" + SEGMENT)).isZero();

        Files.createDirectories(SpoolLayout.archiveIn(spool));
        Files.writeString(SpoolLayout.archiveIn(spool).resolve(SEGMENT), "queued bytes");
        Path dest = dir.resolve("RECOVERYXLOG");
        assertThat(launch(List.of("wal", "fetch", "--async", "--spool", spool.toString(), SEGMENT, dest.toString()))).isZero();
        assertThat(Files.readString(dest)).isEqualTo("queued bytes");
        assertThat(WalPrefetcher.Queue.in(spool).lastAsked()).as("the prefetcher reads where replay is")
                .contains(WalSegmentName.parse(SEGMENT).orElseThrow());
    }

    /** restore_command as PostgreSQL runs it: %f and %p substituted, through sh, in the data directory. */
    static int restoreCommand(Path spool, Path pgdata, String walName) throws Exception {
        String command = SpoolLayout.restoreCommand(LAUNCHER.toAbsolutePath(), spool)
                .replace("%f", walName).replace("%p", "pg_wal/RECOVERYXLOG");
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).directory(pgdata.toFile()).redirectErrorStream(true);
        pb.environment().put("PITR_JAR", "/nonexistent/pitr.jar"); // a JVM start would fail (exit 5)
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @Test
    void theRestoreCommandRenamesAPrefetchedSegmentIntoPlaceAndLeavesTheRestToTheLauncher() throws Exception {
        Path spool = Files.createDirectories(dir.resolve("it's a spool; $HOME `x`")); // quoting for sh and the server
        Path pgdata = Files.createDirectories(dir.resolve("data"));
        Path dest = Files.createDirectories(pgdata.resolve("pg_wal")).resolve("RECOVERYXLOG");
        Files.writeString(SpoolLayout.prefetched(spool, SEGMENT), "segment bytes");
        assertThat(restoreCommand(spool, pgdata, SEGMENT)).isZero();
        assertThat(Files.readString(dest)).isEqualTo("segment bytes");
        assertThat(SpoolLayout.prefetched(spool, SEGMENT)).as("consumed").doesNotExist();
        assertThat(restoreCommand(spool, pgdata, SEGMENT)).as("asked again: the launcher's slow path").isEqualTo(5);

        if ("root".equals(System.getProperty("user.name"))) { // as CI runs: a segment another user owns is copied
            Path other = Files.writeString(SpoolLayout.prefetched(spool, SEGMENT), "someone else's");
            Files.setOwner(other, other.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
            assertThat(restoreCommand(spool, pgdata, SEGMENT)).isZero();
            assertThat(Files.readString(dest)).isEqualTo("someone else's");
            assertThat(Files.getOwner(dest).getName()).as("the copy is the server user's own").isEqualTo("root");
            assertThat(other).as("left where it was").exists();
            Files.delete(other);
        }

        Files.writeString(SpoolLayout.prefetched(spool, "00000002.history"), "1\t0/3000000\tno recovery target\n");
        assertThat(restoreCommand(spool, pgdata, "00000002.history")).as("the launcher copies it").isZero();
        assertThat(Files.readString(dest)).startsWith("1\t0/3000000");
        assertThat(SpoolLayout.prefetched(spool, "00000002.history")).as("asked more than once: kept").exists();
        Files.writeString(SpoolLayout.absent(spool, "00000003.history"), "");
        assertThat(restoreCommand(spool, pgdata, "00000003.history")).isEqualTo(dev.pitr.core.ExitCode.NOT_FOUND.code());
    }

    @Test
    void theRestoreCommandSurvivesTheServersConfigurationParser() {
        String command = SpoolLayout.restoreCommand(Path.of("/opt/pitr/pitr"), Path.of("/srv/it's here"));
        assertThat(command).doesNotContain("\\").contains("'/srv/it'\"'\"'s here'/%f");
    }

    /** archive_command as PostgreSQL runs it: through sh, in the data directory, with {@code env} added. */
    static int archiveCommand(Path pgdata, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("sh", LAUNCHER.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(pgdata.toFile()).redirectErrorStream(true);
        pb.environment().put("PITR_JAR", "/nonexistent/pitr.jar"); // a JVM start would fail (exit 5)
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    private Path readySegment(Path pgdata) throws Exception {
        Path status = Files.createDirectories(pgdata.resolve("pg_wal/archive_status"));
        Files.writeString(pgdata.resolve("pg_wal/" + SEGMENT), "segment");
        return Files.writeString(status.resolve(SEGMENT + ".ready"), "");
    }

    @Test
    void anAcknowledgementOlderThanTheReadyNoteIsNotAnsweredWithoutAJvm() throws Exception {
        Path pgdata = Files.createDirectories(dir.resolve("data"));
        Path ready = readySegment(pgdata);
        Path spool = dir.resolve("spool");
        Path ok = Files.writeString(Files.createDirectories(SpoolLayout.archiveOut(spool))
                .resolve(SEGMENT + SpoolLayout.ACK_SUFFIX), "");
        String[] push = {"wal", "push", "--async", "--spool", spool.toString(), "pg_wal/" + SEGMENT};
        Files.setLastModifiedTime(ok, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(ready).toMillis() - 60_000));
        assertThat(archiveCommand(pgdata, Map.of(), push)).as("another cluster's: the slow path (no jar)").isEqualTo(5);
        Files.setLastModifiedTime(ok, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(ready).toMillis() + 1000));
        assertThat(archiveCommand(pgdata, Map.of(), push)).isZero();
    }

    /**
     * With no pusher running, the launcher starts one itself, with the call's options before 'wal' and the
     * pusher's own after, and waits for its acknowledgement: no JVM for the call. Here 'java' is a script that
     * plays the pusher: it names itself in the spool, records its arguments and acknowledges the segment.
     */
    @Test
    void theLauncherStartsThePusherItselfAndWaitsForTheAcknowledgement() throws Exception {
        Path pgdata = Files.createDirectories(dir.resolve("data dir"));
        readySegment(pgdata);
        Path spool = Files.createDirectories(dir.resolve("spool")); // new: the launcher makes archive-out
        Path out = SpoolLayout.archiveOut(spool);
        Path args = dir.resolve("pusher-args");
        Path bin = Files.createDirectories(dir.resolve("jdk/bin"));
        Path java = Files.writeString(bin.resolve("java"), String.join("\n", "#!/bin/sh",
                "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + args + "'",
                "echo $$ > '" + out.resolve(SpoolLayout.PUSHER_PID) + "'",
                "sleep 0.3; : > '" + out.resolve(SEGMENT + SpoolLayout.ACK_SUFFIX) + "'", "sleep 0.5", ""));
        java.toFile().setExecutable(true);
        Path jar = Files.writeString(dir.resolve("pitr.jar"), "");
        int exit = archiveCommand(pgdata, Map.of("JAVA_HOME", dir.resolve("jdk").toString(), "PITR_JAR", jar.toString()),
                "--config", "/etc/pitr/my pitr.yaml", "wal", "push", "--async", "--spool", spool.toString(),
                "--process-max", "3", "pg_wal/" + SEGMENT);
        assertThat(exit).isZero();
        List<String> recorded = Files.readAllLines(args);
        assertThat(recorded.subList(recorded.indexOf(jar.toString()) + 1, recorded.size())).containsExactly(
                "--config", "/etc/pitr/my pitr.yaml", "wal", SpoolLayout.PUSHER_COMMAND, "--spool", spool.toString(),
                "--pg-wal", pgdata.toRealPath().resolve("pg_wal").toString(), "--process-max", "3");
        assertThat(recorded).contains("-XX:+UseSerialGC").doesNotContain("-XX:TieredStopAtLevel=1");
    }

    @Test
    void aPushersFailureIsLeftToJavaToReport() throws Exception {
        Path pgdata = Files.createDirectories(dir.resolve("data"));
        readySegment(pgdata);
        Path spool = dir.resolve("spool");
        Path out = Files.createDirectories(SpoolLayout.archiveOut(spool));
        Files.writeString(out.resolve(SEGMENT + SpoolLayout.ERROR_SUFFIX), "IO_FAILURE\ns3 is down");
        assertThat(archiveCommand(pgdata, Map.of(), "wal", "push", "--async", "--spool", spool.toString(),
                "pg_wal/" + SEGMENT)).as("the slow path reports it (no jar here)").isEqualTo(5);
    }
}
