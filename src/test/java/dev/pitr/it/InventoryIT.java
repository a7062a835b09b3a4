package dev.pitr.it;

import dev.pitr.wal.WalArchive;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.backup.BackupCatalog;
import dev.pitr.core.Json;
import dev.pitr.repo.ObjectInfo;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;
import dev.pitr.repo.S3Settings;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.EmbeddedS3;
import dev.pitr.testkit.FaultProxy;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import dev.pitr.wal.WalFileName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** backup list/info/wal verify/expire against a real archive with several backups, a gap and two timelines. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InventoryIT {
    static PgCluster pg;
    static Path work;
    static Cli cli;
    static Repository repo;
    static String archive;
    static final List<String> backups = new ArrayList<>();

    @BeforeAll
    static void archiveWithBackups() throws Exception {
        EmbeddedS3 s3 = EmbeddedS3.shared();
        String bucket = s3.newBucket();
        work = TestDirs.shared("pitr-inventory-");
        archive = "'env PITR_REPO=s3://" + bucket + "/repo PITR_S3_ENDPOINT=" + s3.endpoint() + " "
                + ArchiveIT.LAUNCHER + " wal push %p'";
        pg = PgCluster.start(Map.of("wal_level", "replica", "archive_mode", "on", "archive_command", archive), Map.of());
        Map<String, String> env = new HashMap<>(s3.env(bucket));
        env.put("PITR_PGPORT", String.valueOf(pg.port()));
        cli = new Cli(env, work);
        repo = Repositories.open("s3://" + bucket + "/repo", new S3Settings(Optional.of(s3.endpoint()), "us-east-1", true, 3));
        pg.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 10000) g");
        for (int i = 0; i < 3; i++) {
            pg.execute("INSERT INTO t SELECT g FROM generate_series(1, 10000) g", "SELECT pg_switch_wal()");
            Cli.Run b = cli.run("--json", "backup", "create");
            assertThat(b.exitCode()).as(b.stderr()).isZero();
            backups.add(Json.mapper().readTree(b.stdout()).get("id").asText());
            Thread.sleep(1100); // backup ids are per second
        }
        pg.execute("INSERT INTO t SELECT g FROM generate_series(1, 10000) g");
        ArchiveIT.waitUntilArchived(pg, pg.query("SELECT pg_walfile_name(pg_switch_wal())"));
    }

    @AfterAll
    static void cleanUp() {
        cli.run("restore", "abort", "--pgdata", work.resolve("tl2/data").toString());
        repo.close();
        pg.close();
        TestDirs.delete(work);
    }

    static JsonNode json(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("--json"));
        a.addAll(List.of(args));
        Cli.Run r = cli.run(a.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.stderr()).isIn(0, 3);
        return Json.mapper().readTree(r.stdout());
    }

    @Test
    @Order(1)
    void infoShowsAWindowFromEachBackupToTheLatestArchivedWal() throws Exception {
        JsonNode info = json("info");
        JsonNode tl1 = info.get("timelines").get(0);
        assertThat(tl1.get("windows")).hasSize(3);
        String newest = info.get("newest_segment").asText();
        for (JsonNode w : tl1.get("windows")) {
            assertThat(w.get("to_segment").asText()).isEqualTo(newest);
        }
        assertThat(tl1.get("windows").get(0).get("backup_id").asText()).isEqualTo(backups.get(0));
        assertThat(cli.run("info").stdout()).contains("restorable: ").contains("(the RPO if the primary died now)")
                // the bar stretched over the span its axis labels: archived WAL, then each backup's start and the
                // restorable WAL after it
                .containsPattern("\\|=*(B#+){3}\\|");
        assertThat(cli.run("wal", "verify").exitCode()).isZero();
        assertThat(cli.run("wal", "verify", "--deep").stdout()).contains("archive is whole").contains("objects re-hashed");
    }

    @Test
    @Order(2)
    void anInterruptedBackupIsNeverListedAsUsable() throws Exception {
        pg.execute("ALTER SYSTEM SET archive_command = 'false'", "SELECT pg_reload_conf()");
        try {
            ProcessBuilder pb = new ProcessBuilder(ArchiveIT.LAUNCHER, "backup", "create", "--archive-wait", "120")
                    .redirectErrorStream(true).redirectOutput(work.resolve("interrupted.out").toFile());
            pb.environment().putAll(EmbeddedS3.shared().env(repoBucket()));
            pb.environment().put("PITR_PGPORT", String.valueOf(pg.port()));
            Process p = pb.start();
            // with archiving broken, pg_basebackup waits at the end for WAL archiving: kill it there, midway
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (System.nanoTime() < deadline && !"t".equals(pg.query(
                    "SELECT count(*) > 0 FROM pg_stat_progress_basebackup WHERE phase LIKE 'waiting for wal archiving%'"))) {
                Thread.sleep(50);
            }
            ProcessHandle.allProcesses().filter(ph -> ph.info().commandLine()
                            .map(c -> c.contains("pg_basebackup") && c.contains("-p " + pg.port())).orElse(false))
                    .forEach(ProcessHandle::destroyForcibly); // SIGKILL, like kill -9
            assertThat(p.waitFor()).isEqualTo(5);
            assertThat(Files.readString(work.resolve("interrupted.out"))).contains("pg_basebackup");
        } finally {
            pg.execute("ALTER SYSTEM SET archive_command = " + archive, "SELECT pg_reload_conf()");
        }
        JsonNode list = json("backup", "list");
        assertThat(list).hasSize(4);
        assertThat(list.get(3).get("status").asText()).isEqualTo("incomplete");
        assertThat(list.get(0).get("status").asText()).as("a complete backup says so too").isEqualTo("complete");
        assertThat(list.get(0).get("stop_lsn").asText()).as("beside its metadata").isNotEmpty();
        String incompleteId = list.get(3).get("id").asText();
        assertThat(repo.list(RepositoryLayout.BACKUPS + incompleteId + "/")).extracting(ObjectInfo::key)
                .as("the truncated stream was never stored").noneMatch(k -> k.endsWith("base.tar.zst"));
        assertThat(cli.run("backup", "list").stdout()).contains("incomplete");
        JsonNode plan = json("restore", "plan", "--target-latest", "--pgdata", work.resolve("never/data").toString());
        assertThat(plan.get("backup_id").asText()).as("the newest complete backup, not the interrupted one")
                .isEqualTo(backups.get(2));
        // kill -9 of pitr itself while it streams: that backup never becomes complete either
        Thread.sleep(1100);
        ProcessBuilder again = new ProcessBuilder(ArchiveIT.LAUNCHER, "backup", "create")
                .redirectErrorStream(true).redirectOutput(work.resolve("killed.out").toFile());
        again.environment().putAll(EmbeddedS3.shared().env(repoBucket()));
        again.environment().put("PITR_PGPORT", String.valueOf(pg.port()));
        Process killed = again.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        java.util.Set<String> known = repo.list(RepositoryLayout.BACKUPS).stream().map(ObjectInfo::key)
                .collect(java.util.stream.Collectors.toSet());
        while (System.nanoTime() < deadline && repo.list(RepositoryLayout.BACKUPS).stream()
                .noneMatch(o -> o.key().endsWith(BackupCatalog.STARTED) && !known.contains(o.key()))) {
            Thread.sleep(20); // until this run has announced itself: then it is streaming
        }
        Thread.sleep(200);
        killed.destroyForcibly(); // SIGKILL: the launcher exec'd the JVM
        killed.waitFor();
        JsonNode afterKill = json("backup", "list");
        assertThat(afterKill).hasSize(5);
        assertThat(afterKill.get(4).get("status").asText()).isEqualTo("incomplete");
        assertThat(json("restore", "plan", "--target-latest", "--pgdata", work.resolve("never/data").toString())
                .get("backup_id").asText()).isEqualTo(backups.get(2));
        // the next night's backup succeeds
        Thread.sleep(1100);
        Cli.Run next = cli.run("--json", "backup", "create", "--compress-at", "client", "--part-size", "1"); // in parts: the delta restore reads it
        assertThat(next.exitCode()).as(next.stderr()).isZero();
        backups.add(Json.mapper().readTree(next.stdout()).get("id").asText());
        assertThat(stagingOwnedBy(killed.pid())).as("what the killed pitr staged is removed by the next backup").isEmpty();
    }

    @Test
    @Order(3)
    void expireKeepsEveryRestorablePointOfTheRetainedBackups() throws Exception {
        long before = repo.list("").size();
        JsonNode dry = json("expire", "--keep-full", "2", "--dry-run");
        assertThat(repo.list("").size()).isEqualTo(before);
        assertThat(dry.get("expired_backups")).extracting(JsonNode::asText).containsExactlyInAnyOrder(backups.get(0), backups.get(1));
        assertThat(dry.get("incomplete_backups")).as("the pg_basebackup kill and the pitr kill").hasSize(2);

        JsonNode done = json("--yes", "expire", "--keep-full", "2");
        assertThat(done.get("wal_keys").size()).isPositive();
        // recorded before anything is deleted, so a killed expire still leaves its trace in the audit trail
        List<String> audit = Files.readAllLines(work.resolve("audit.jsonl"));
        int started = -1;
        for (int i = 0; i < audit.size(); i++) {
            if (audit.get(i).contains("started: deleting")) {
                started = i;
            }
        }
        assertThat(started).as("a 'started' record for expire").isNotNegative();
        assertThat(audit.subList(started, audit.size())).anyMatch(l -> l.contains("expire --keep-full 2") && l.contains("\"outcome\":\"ok\""));
        assertThat(json("backup", "list")).hasSize(2);
        for (String id : backups.subList(2, 4)) {
            JsonNode plan = json("restore", "plan", "--backup", id, "--target-latest", "--pgdata",
                    work.resolve("plan-" + id + "/data").toString());
            for (JsonNode f : plan.get("wal_files")) {
                assertThat(repo.head(WalArchive.keyOf(WalFileName.parseOrThrow(f.asText())))).isPresent();
            }
        }
        assertThat(cli.run("wal", "verify").exitCode()).isZero();
    }

    static Path checksFile(long rows, long expectRows) throws Exception {
        return Files.writeString(work.resolve("checks-" + expectRows + ".yaml"), """
                checks:
                  - name: table t is back
                    table_exists: public.t
                  - name: every row of t
                    row_count: {table: t, exact: %d}
                  - query: SELECT count(*) > 0 FROM pg_class
                  - amcheck: true
                """.formatted(expectRows));
    }

    @Test
    @Order(35)
    void aDrillRestoresVerifiesAndReportsInJsonJunitAndPrometheus() throws Exception {
        long rows = Long.parseLong(pg.query("SELECT count(*) FROM t"));
        Path scratch = work.resolve("scratch");
        int port = PgCluster.freePort(); // --port: the copy listens where a scheduled drill's firewall allows
        Cli.Run drill = cli.run("drill", "--scratch", scratch.toString(), "--checks", checksFile(rows, rows).toString(),
                "--port", String.valueOf(port), "--check", "SELECT current_setting('port')::int = " + port,
                "--report-json", work.resolve("drill.json").toString(), "--report-junit", work.resolve("drill.xml").toString(),
                "--metrics-file", work.resolve("drill.prom").toString());
        assertThat(drill.exitCode()).as(drill.stderr() + drill.stdout()).isZero();
        JsonNode report = Json.mapper().readTree(work.resolve("drill.json").toFile());
        assertThat(report.get("success").asBoolean()).isTrue();
        assertThat(report.get("rto_seconds").asDouble()).isPositive();
        assertThat(report.get("rpo_wal_age_seconds").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(report.get("checks")).hasSize(5);
        var doc = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(work.resolve("drill.xml").toFile());
        var cases = doc.getElementsByTagName("testcase");
        assertThat(cases.getLength()).isEqualTo(report.get("steps").size() + 5);
        assertThat(doc.getElementsByTagName("failure").getLength()).isZero();
        assertThat(Files.readString(work.resolve("drill.prom"))).contains("pitr_drill_success{cluster=")
                .containsPattern("(?m)^pitr_drill_success\\{[^}]*\\} 1\\.0$").contains("pitr_drill_step_seconds{")
                .contains("step=\"REPLAY\"");
        try (var left = Files.list(scratch)) {
            assertThat(left.toList()).as("the scratch copy is stopped and removed").isEmpty();
        }
    }

    /** 'pitr metrics': the repository's gauges agree with what 'info' shows of the same repository. */
    @Test
    @Order(35)
    void metricsGiveTheRepositorysAgesAndWindowAsInfoShowsThem() throws Exception {
        JsonNode info = Json.mapper().readTree(cli.run("--json", "info").stdout());
        Cli.Run json = cli.run("--json", "metrics");
        assertThat(json.exitCode()).as(json.stderr()).isZero();
        JsonNode values = Json.mapper().readTree(json.stdout());
        assertThat(values.get("pitr_wal_newest_archived_timestamp_seconds").asDouble())
                .isEqualTo(seconds(Instant.parse(info.get("newest_segment_at").asText())));
        long complete = 0;
        for (JsonNode b : info.get("backups")) {
            complete += b.path("metadata").isObject() ? 1 : 0;
        }
        assertThat(values.get("pitr_backups_complete").asLong()).isEqualTo(complete).isPositive();
        double windowEnd = 0;
        for (JsonNode t : info.get("timelines")) {
            for (JsonNode w : t.get("windows")) {
                windowEnd = Math.max(windowEnd, seconds(Instant.parse(w.get("to").asText())));
            }
        }
        assertThat(values.get("pitr_restorable_window_end_timestamp_seconds").asDouble()).isEqualTo(windowEnd);

        Path textfile = work.resolve("textfile/pitr.prom");
        Files.createDirectories(textfile.getParent());
        Cli.Run written = cli.run("metrics", "--textfile", textfile.toString());
        assertThat(written.exitCode()).as(written.stderr()).isZero();
        assertThat(Files.readString(textfile)).contains("# TYPE pitr_backups_complete gauge")
                .containsPattern("(?m)^pitr_backups_complete\\{cluster=\"[^\"]*\",repository=\"[^\"]+\"\\} " + complete + "\\.0$");
        try (var left = Files.list(textfile.getParent())) {
            assertThat(left.toList()).as("written atomically: no temporary file left").containsExactly(textfile);
        }
        assertThat(cli.run("metrics", "--textfile", work.resolve("pitr.txt").toString()).exitCode())
                .as("node_exporter reads only *.prom").isEqualTo(2);
        Cli.Run foreign = cli.run("--repo", "pgbackrest://main", "metrics");
        assertThat(foreign.exitCode()).isEqualTo(2);
        assertThat(foreign.stderr()).contains("pgBackRest's use its own exporter");
    }

    static double seconds(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }

    /** The whole restore path through a flaky store: every other request fails in one of six ways. */
    @Test
    @Order(36)
    void aDrillThroughAFlakyObjectStoreCompletesAndAPermanentFaultNamesTheObject() throws Exception {
        long rows = Long.parseLong(pg.query("SELECT count(*) FROM t"));
        try (FaultProxy proxy = new FaultProxy(EmbeddedS3.shared().endpoint(), FaultProxy.Plan.rotating(
                FaultProxy.Fault.ERROR_500, FaultProxy.Fault.SLOW_DOWN_503, FaultProxy.Fault.RESET_BEFORE_RESPONSE,
                FaultProxy.Fault.RESET_MID_BODY, FaultProxy.Fault.TRUNCATE_BODY, FaultProxy.Fault.STALL))) {
            proxy.stallMillis(200);
            Cli flaky = cli.with("PITR_S3_ENDPOINT", proxy.endpoint().toString());
            Cli.Run drill = flaky.run("-v", "drill", "--scratch", work.resolve("scratch-flaky").toString(),
                    "--checks", checksFile(rows, rows).toString());
            assertThat(drill.exitCode()).as(drill.stderr() + drill.stdout()).isZero();
            assertThat(proxy.injected()).hasSizeGreaterThan(5);
            assertThat(drill.stderr()).contains("retrying");

            // the backup object itself cannot be read, ever: the drill fails at FETCH_BACKUP and says which object
            proxy.plan(r -> r.method().equals("GET") && r.path().contains("/backups/") && r.path().contains(".tar")
                    ? FaultProxy.Fault.SLOW_DOWN_503 : FaultProxy.Fault.NONE);
            Cli.Run broken = flaky.with("PITR_S3_MAX_ATTEMPTS", "2").run("drill", "--scratch",
                    work.resolve("scratch-broken").toString());
            assertThat(broken.exitCode()).as(broken.stderr() + broken.stdout()).isEqualTo(5);
            assertThat(broken.stderr() + broken.stdout()).contains("FETCH_BACKUP").containsPattern("backups/[^ ]+\\.tar");
        }
    }

    @Test
    @Order(36)
    void aChecksFileWithOneWrongExpectationFailsExactlyThatCheck() throws Exception {
        long rows = Long.parseLong(pg.query("SELECT count(*) FROM t"));
        Cli.Run drill = cli.run("drill", "--scratch", work.resolve("scratch").toString(), "--checks",
                checksFile(rows, rows + 1).toString(), "--report-junit", work.resolve("wrong.xml").toString());
        assertThat(drill.exitCode()).isEqualTo(3);
        var doc = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(work.resolve("wrong.xml").toFile());
        var failures = doc.getElementsByTagName("failure");
        assertThat(failures.getLength()).isEqualTo(1);
        assertThat(((org.w3c.dom.Element) failures.item(0).getParentNode()).getAttribute("name")).isEqualTo("every row of t");
        assertThat(failures.item(0).getTextContent()).contains("saw " + rows + " rows").contains("= " + (rows + 1));
    }

    /**
     * --delta never replaces WAL that exists nowhere else: not the configured cluster's own pgdata, and not a
     * stopped copy that wrote WAL of its own after it was promoted (a copy never archives).
     */
    @Test
    @Order(38)
    void aDeltaOverADirectoryWithUnarchivedWalIsRefusedAndNothingIsDeleted() throws Exception {
        Cli.Run own = cli.with("PITR_PGDATA", pg.dataDir().toString()).run("restore", "run", "--delta", "--target-latest",
                "--pgdata", pg.dataDir().toString());
        assertThat(own.exitCode()).as(own.stderr()).isEqualTo(4);
        assertThat(own.stderr()).contains("the cluster's own pgdata");
        Path copy = work.resolve("delta-own-wal/data");
        try {
            Cli.Run first = cli.run("restore", "run", "--target-latest", "--pgdata", copy.toString(), "--promote", "--yes");
            assertThat(first.exitCode()).as(first.stderr()).isZero();
            int port = SeedScenarioIT.copyPort(copy);
            SeedScenarioIT.queryOn(port, "SELECT count(*) FROM (SELECT pg_switch_wal()) s"); // WAL of its own timeline
            pg.ctl().stop(copy, "fast");
            List<String> before;
            try (var files = Files.list(copy.resolve("pg_wal"))) {
                before = files.map(p -> p.getFileName().toString()).sorted().toList();
            }
            Cli.Run delta = cli.run("restore", "run", "--delta", "--target-latest", "--pgdata", copy.toString());
            assertThat(delta.exitCode()).as(delta.stderr()).isEqualTo(4);
            assertThat(delta.stderr()).contains("holds WAL that is not in the repository").contains("nothing was changed");
            try (var files = Files.list(copy.resolve("pg_wal"))) {
                assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(before);
            }
        } finally {
            cli.run("restore", "abort", "--pgdata", copy.toString());
        }
    }

    /** --delta: an older restored copy is brought forward; unchanged files are kept, stale ones removed. */
    @Test
    @Order(37)
    void aDeltaRestoreReusesAnOlderCopyAndRemovesWhatTheBackupDoesNotHave() throws Exception {
        long rows = Long.parseLong(pg.query("SELECT count(*) FROM t"));
        Path copy = work.resolve("delta/data");
        try {
            String oldest = backups.stream().filter(id -> cli.run("backup", "show", id).exitCode() == 0).findFirst().orElseThrow();
            Cli.Run first = cli.run("restore", "run", "--backup", oldest, "--target-immediate", "--pgdata", copy.toString());
            assertThat(first.exitCode()).as(first.stderr()).isZero();
            assertThat(cli.run("restore", "abort", "--pgdata", copy.toString()).exitCode()).isZero();
            Path stale = Files.writeString(copy.resolve("base/99999"), "a relation the backup does not have");

            Path notData = Files.createDirectories(work.resolve("delta/not-a-cluster"));
            Path keep = Files.writeString(notData.resolve("notes.txt"), "mine");
            Cli.Run refused = cli.run("restore", "run", "--delta", "--target-latest", "--pgdata", notData.toString());
            assertThat(refused.exitCode()).isEqualTo(4);
            assertThat(refused.stderr()).contains("not a PostgreSQL data directory");
            assertThat(Files.readString(keep)).isEqualTo("mine");
            Cli.Run plain = cli.run("restore", "run", "--target-latest", "--pgdata", copy.toString());
            assertThat(plain.exitCode()).as("without --delta a used directory is refused").isEqualTo(4);

            Cli.Run delta = cli.run("restore", "run", "--delta", "--target-latest", "--pgdata", copy.toString(),
                    "--check", "SELECT count(*) = " + rows + " FROM t");
            assertThat(delta.exitCode()).as(delta.stderr() + delta.stdout()).isZero();
            assertThat(delta.stderr()).containsPattern("delta: [1-9][0-9]* MiB already matched and were kept, [1-9][0-9]* files");
            assertThat(delta.stderr()).as("the newest backup's parts, extracted side by side").containsPattern(
                    "FETCH_BACKUP: [1-9][0-9]+ object\\(s\\) of backup .* at a time");
            assertThat(stale).doesNotExist();
            try (var history = Files.list(work.resolve("delta/data.pitr"))) {
                assertThat(history.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("journal-"));
            }
        } finally {
            cli.run("restore", "abort", "--pgdata", copy.toString());
        }
    }

    @Test
    @Order(40)
    void aPromotedCopyThatArchivesCreatesTimelineTwoAndInfoShowsTheFork() throws Exception {
        Path pgdata = work.resolve("tl2/data");
        Cli.Run run = cli.run("restore", "run", "--target-latest", "--pgdata", pgdata.toString());
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        // deliberately let this copy archive (a failover, in effect): pitr itself always writes archive_mode = off
        Files.writeString(pgdata.resolve("postgresql.auto.conf"), "archive_mode = 'on'\narchive_command = " + archive + "\n",
                java.nio.file.StandardOpenOption.APPEND);
        pg.ctl().stop(pgdata, "fast");
        pg.ctl().start(pgdata, pgdata.resolveSibling("data.pitr").resolve("server.log"), Map.of(), Duration.ofSeconds(60));
        assertThat(cli.run("--yes", "restore", "promote", "--pgdata", pgdata.toString()).exitCode()).isZero();
        int port = SeedScenarioIT.copyPort(pgdata);
        try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "")) {
            c.createStatement().execute("CREATE TABLE written_on_timeline_2 AS SELECT 1 AS x");
        }
        String switched = SeedScenarioIT.queryOn(port, "SELECT pg_walfile_name(pg_switch_wal())");
        String switchedKey = WalArchive.keyOf(WalFileName.parseOrThrow(switched));
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (repo.head(switchedKey).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(repo.head(switchedKey)).as("timeline 2's WAL archived").isPresent();
        JsonNode info = json("info");
        JsonNode tl2 = info.get("timelines").get(1);
        assertThat(tl2.get("timeline").asInt()).isEqualTo(2);
        assertThat(tl2.get("parent").asInt()).isEqualTo(1);
        assertThat(tl2.get("fork_lsn").asText()).matches("[0-9A-F]+/[0-9A-F]+");
        assertThat(cli.run("wal", "verify").stdout()).contains("switch: timeline 1 -> 2");
        // retention with two timelines: history files and the new timeline's WAL stay
        JsonNode expire = json("expire", "--keep-full", "1", "--dry-run");
        assertThat(expire.get("wal_keys")).extracting(JsonNode::asText)
                .noneMatch(k -> k.endsWith(".history.pitr") || k.startsWith("wal/00000002/"));
    }

    @Test
    @Order(45)
    void aTargetOnTimelineTwoFollowsTheForkAndTimelineOneDoesNot() throws Exception {
        for (String timeline : List.of("2", "1")) {
            Path pgdata = work.resolve("tl-target-" + timeline + "/data");
            Cli.Run run = cli.run("restore", "run", "--target-latest", "--timeline", timeline, "--pgdata", pgdata.toString());
            assertThat(run.exitCode()).as(run.stderr()).isZero();
            int port = SeedScenarioIT.copyPort(pgdata);
            assertThat(SeedScenarioIT.queryOn(port, "SELECT to_regclass('written_on_timeline_2') IS NOT NULL"))
                    .as("timeline " + timeline).isEqualTo(timeline.equals("2") ? "t" : "f");
            cli.run("restore", "abort", "--pgdata", pgdata.toString());
        }
    }

    @Test
    @Order(50)
    void aMissingSegmentFailsVerifyNamingItAndSplitsTheWindow() throws Exception {
        List<ObjectInfo> segs = repo.list(WalArchive.timelinePrefix(1)).stream()
                .filter(o -> WalArchive.fileOf(o.key()).filter(f -> f instanceof WalFileName.Segment).isPresent())
                .toList();
        ObjectInfo victim = segs.get(segs.size() - 2);
        String name = WalArchive.fileOf(victim.key()).orElseThrow().fileName();
        repo.delete(victim.key());
        Cli.Run verify = cli.run("wal", "verify");
        assertThat(verify.exitCode()).isEqualTo(3);
        assertThat(verify.stdout()).contains("PROBLEM missing-segments " + name);
        JsonNode tl1 = json("info").get("timelines").get(0);
        assertThat(tl1.get("gaps")).hasSize(1);
        assertThat(tl1.get("gaps").get(0).get("first_missing").asText()).isEqualTo(name);
        assertThat(cli.run("info").stdout()).contains("gap: 1 segment(s) missing, " + name);

        // a time after the gap cannot be reached from the backup before it: refused, nothing changed
        Path pgdata = work.resolve("in-gap/data");
        Cli.Run plan = cli.run("restore", "run", "--backup", backups.get(2), "--target-time", java.time.Instant.now().toString(),
                "--pgdata", pgdata.toString());
        assertThat(plan.exitCode()).isEqualTo(2);
        assertThat(plan.stderr()).contains("inside a WAL gap").contains(name);
        assertThat(Files.exists(pgdata.getParent())).isFalse();
    }

    @Test
    @Order(60)
    void aDrillOverTheBrokenArchiveFailsNamingTheMissingSegment() throws Exception {
        String missing = json("info").get("timelines").get(0).get("gaps").get(0).get("first_missing").asText();
        // the older retained backup needs the missing segment to reach the latest WAL
        Cli.Run drill = cli.run("drill", "--backup", backups.get(2), "--scratch", work.resolve("scratch").toString(),
                "--report-junit", work.resolve("broken.xml").toString());
        assertThat(drill.exitCode()).as(drill.stdout() + drill.stderr() + cli.run("info").stdout()).isEqualTo(3);
        var doc = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(work.resolve("broken.xml").toFile());
        var failures = doc.getElementsByTagName("failure");
        assertThat(failures.getLength()).isEqualTo(1);
        assertThat(failures.item(0).getTextContent()).contains("WAL segment " + missing + " is missing");
    }

    @Test
    @Order(70)
    void inPlaceTheClusterItselfIsRestoredItsOldDirectoryKeptAndArchivingResumes() throws Exception {
        String rows = pg.query("SELECT count(*) FROM t");
        Path pgdata = pg.dataDir();
        Cli.Run running = cli.run("--yes", "restore", "run", "--in-place", "--target-latest", "--timeline", "current",
                "--pgdata", pgdata.toString());
        assertThat(running.exitCode()).as(running.stderr()).isEqualTo(4);
        assertThat(running.stderr()).contains("is running: stop it first");

        pg.stop();
        Cli.Run run = cli.run("--yes", "restore", "run", "--in-place", "--target-latest", "--timeline", "current",
                "--pgdata", pgdata.toString());
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        JsonNode plan = Json.mapper().readTree(pgdata.resolveSibling("data.pitr").resolve("journal.json").toFile()).get("plan");
        assertThat(plan.get("port").asInt()).as("the cluster's own port").isEqualTo(pg.port());
        Path aside = Path.of(plan.get("moved_aside").asText()); // a path, as every path in pitr's JSON
        assertThat(aside.resolve("PG_VERSION")).as("the old data directory is kept\n" + run.stderr()).exists();
        assertThat(pg.query("SELECT count(*) FROM t")).isEqualTo(rows);

        Cli.Run sideBySide = cli.run("--yes", "restore", "promote", "--resume-archiving", "--pgdata",
                work.resolve("tl2/data").toString());
        assertThat(sideBySide.exitCode()).as("a side-by-side copy never archives").isEqualTo(4);

        Cli.Run promote = cli.run("--yes", "restore", "promote", "--resume-archiving", "--pgdata", pgdata.toString());
        assertThat(promote.exitCode()).as(promote.stderr()).isZero();
        int timeline = Integer.parseInt(pg.query("SELECT timeline_id FROM pg_control_checkpoint()"));
        pg.execute("CHECKPOINT");
        String history = WalArchive.keyOf(new WalFileName.TimelineHistory(
                Integer.parseInt(pg.query("SELECT timeline_id FROM pg_control_checkpoint()"))));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (repo.head(history).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(repo.head(history)).as("the new timeline's history file is archived (timeline was " + timeline + ") "
                + pg.query("SELECT current_setting('archive_mode') || ' ' || current_setting('archive_command') || ' '"
                + " || row_to_json(a)::text FROM pg_stat_archiver a")).isPresent();
    }

    private static String repoBucket() {
        String url = repo.url();
        return url.substring("s3://".length(), url.indexOf('/', "s3://".length()));
    }

    /** Staging directories (pitr-backup-*) in the temporary directory that name {@code pid} as their owner. */
    private static java.util.List<Path> stagingOwnedBy(long pid) throws java.io.IOException {
        java.util.List<Path> owned = new java.util.ArrayList<>();
        try (var dirs = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), "pitr-backup-*")) {
            for (Path dir : dirs) {
                Path owner = dir.resolve("pitr.pid");
                if (Files.exists(owner) && Files.readString(owner).strip().equals(Long.toString(pid))) {
                    owned.add(dir);
                }
            }
        }
        return owned;
    }
}
