package dev.pitr.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;
import dev.pitr.pg.ProcessRunner;
import dev.pitr.restore.RecoveryConf;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real pgBackRest (Debian's package) archives and backs up a real PostgreSQL 15 into a posix repository that
 * only pgBackRest writes. pitr reads it through pgbackrest: the same backups, LSNs and archived segments that
 * pgBackRest reports; a command that would write is refused with one line naming whose repository it is, and
 * not one byte of the repository changes.
 */
class PgBackRestSourceIT {
    static final String STANZA = "shop";
    static PgCluster pg;
    static Path work;
    static Path repoDir;
    static Path config;
    static Cli cli;
    static long deleteXid;
    static long dropXid;

    @BeforeAll
    static void archiveAndBackUpWithPgBackRest() throws Exception {
        work = TestDirs.shared("pitr-pgbr-");
        repoDir = TestDirs.serverOwned("pitr-pgbr-repo-");
        Path lock = TestDirs.serverOwned("pitr-pgbr-lock-");
        config = work.resolve("pgbackrest.conf");
        pg = PgCluster.create(Map.of("wal_level", "replica", "archive_mode", "on"), Map.of());
        Files.writeString(config, String.join("\n", "[global]", "repo1-path=" + repoDir, "compress-type=zst",
                "start-fast=y", "log-level-console=warn", "log-level-file=off", "lock-path=" + lock,
                "[" + STANZA + "]", "pg1-path=" + pg.dataDir(), "pg1-port=" + pg.port(), "pg1-socket-path=" + pg.dir(), ""));
        pg.appendConf(Map.of("archive_command", "'pgbackrest --config=" + config + " --stanza=" + STANZA
                + " archive-push %p'"));
        pg.start();
        pgbackrest("stanza-create");
        pg.execute("CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 1000) g",
                "CREATE TABLE ledger AS SELECT g AS id, 'entry ' || g AS note FROM generate_series(1, 200) g");
        pgbackrest("backup", "--type=full");
        // pgBackRest records the backup's end to the second, and pitr counts the backup from the next one: every
        // commit below lies after that, however fast this machine is, so a drill's random time has a window
        Thread.sleep(2000);
        for (int i = 0; i < 3; i++) {
            pg.execute("INSERT INTO orders SELECT g FROM generate_series(1, 1000) g", "SELECT pg_switch_wal()");
        }
        // the mistake, which log_statement (none here) does not show: only the WAL pgBackRest archived knows it
        deleteXid = Long.parseLong(pg.query("WITH gone AS (DELETE FROM orders WHERE id <= 500 RETURNING 1)"
                + " SELECT txid_current()"));
        pg.execute("INSERT INTO orders SELECT g FROM generate_series(1, 10) g");
        // a second mistake: the table dropped, which the live server can no longer describe
        try (Connection c = pg.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("DROP TABLE ledger");
            try (ResultSet rs = st.executeQuery("SELECT txid_current()")) {
                rs.next();
                dropXid = rs.getLong(1);
            }
            c.commit();
        }
        ArchiveIT.waitUntilArchived(pg, pg.query("SELECT pg_walfile_name(pg_switch_wal())"));
        cli = new Cli(Map.of("PITR_PGBACKREST_CONFIG", config.toString(), "PITR_PGPORT", String.valueOf(pg.port())), work);
    }

    @AfterAll
    static void cleanUp() {
        if (pg != null) {
            pg.close();
        }
        TestDirs.delete(work);
        TestDirs.delete(repoDir);
    }

    static String pgbackrest(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("pgbackrest", "--config=" + config, "--stanza=" + STANZA));
        command.addAll(List.of(args));
        ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.asServerUser(command), Map.of(), Duration.ofMinutes(5));
        assertThat(r.exitCode()).as(String.join(" ", args) + ": " + r.stderr() + r.stdout()).isZero();
        return r.stdout();
    }

    /** Every file of pgBackRest's repository with its digest: what "pitr wrote nothing" is checked against. */
    static Map<String, String> repositoryFiles() throws IOException {
        return PgBackRestIncidentIT.files(repoDir);
    }

    @Test
    void infoShowsWhatPgBackRestReportsAndWritesAreRefused() throws Exception {
        Map<String, String> before = repositoryFiles();
        JsonNode theirs = Json.mapper().readTree(pgbackrest("info", "--output=json")).get(0);

        Cli.Run info = cli.run("--repo", "pgbackrest://" + STANZA, "--json", "info");
        assertThat(info.exitCode()).as(info.stderr()).isZero();
        JsonNode ours = Json.mapper().readTree(info.stdout());
        assertThat(ours.get("source").asText()).isEqualTo("pgbackrest");
        JsonNode catalog = ours.get("catalog");
        assertThat(catalog.get("cluster").get("system_identifier").asText())
                .isEqualTo(pg.query("SELECT system_identifier::text FROM pg_control_system()"));
        JsonNode backup = catalog.get("backups").get(0);
        JsonNode theirBackup = theirs.get("backup").get(0);
        assertThat(backup.get("id").asText()).isEqualTo(theirBackup.get("label").asText());
        assertThat(backup.get("span").get("start_lsn").asText()).isEqualTo(theirBackup.get("lsn").get("start").asText());
        assertThat(backup.get("span").get("stop_lsn").asText()).isEqualTo(theirBackup.get("lsn").get("stop").asText());
        assertThat(backup.get("first_segment").asText()).isEqualTo(theirBackup.get("archive").get("start").asText());
        JsonNode timeline = catalog.get("timelines").get(0);
        assertThat(timeline.get("timeline").asInt()).isEqualTo(1);
        assertThat(timeline.get("runs")).as("no gap: pgBackRest archived every segment").hasSize(1);
        assertThat(timeline.get("runs").get(0).get("last").asText())
                .isEqualTo(pg.query("SELECT last_archived_wal FROM pg_stat_archiver"));

        Cli.Run text = cli.run("--repo", "pgbackrest://" + STANZA, "info");
        assertThat(text.stdout()).contains("pgBackRest repository pgbackrest://" + STANZA).contains("read only")
                .contains("backup " + theirBackup.get("label").asText() + " (full)");

        String segment = pg.query("SELECT pg_walfile_name(pg_current_wal_lsn())");
        for (String[] write : List.of(new String[]{"wal", "push", pg.dataDir().resolve("pg_wal/" + segment).toString()},
                new String[]{"backup", "create"}, new String[]{"expire", "--keep-full", "1"})) {
            List<String> args = new java.util.ArrayList<>(List.of("--repo", "pgbackrest://" + STANZA));
            args.addAll(List.of(write));
            Cli.Run refused = cli.run(args.toArray(String[]::new));
            assertThat(refused.exitCode()).as(String.join(" ", write)).isEqualTo(2);
            assertThat(refused.stderrLines()).filteredOn(l -> l.startsWith("pitr: pgbackrest://"))
                    .singleElement().asString().contains("is pgBackRest's repository").contains("never writes it")
                    .contains("'pitr " + write[0]);
        }
        JsonNode check = Json.mapper().readTree(cli.run("--repo", "pgbackrest://" + STANZA, "--json", "check").stdout());
        assertThat(ReadinessIT.finding(check, "archive_command").get("level").asText()).as("pgbackrest archive-push")
                .isEqualTo("OK");
        assertThat(ReadinessIT.finding(check, "repository").get("value").asText()).contains("pgBackRest's, read only");
        assertThat(ReadinessIT.finding(check, "backup").get("value").asText()).startsWith(theirBackup.get("label").asText());
        JsonNode restoreCommand = ReadinessIT.finding(check, "restore_command");
        assertThat(restoreCommand.get("level").asText()).as(restoreCommand.toString()).isEqualTo("OK");
        assertThat(restoreCommand.get("value").asText()).isEqualTo("pgbackrest --stanza=" + STANZA + " --config=" + config
                + " --pg1-path=" + pg.dataDir() + " archive-get %f \"%p\"");

        Cli.Run verify = cli.run("--repo", "pgbackrest://" + STANZA, "wal", "verify");
        assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isZero();
        assertThat(verify.stdout()).contains("archive is whole");
        assertThat(cli.run("--repo", "pgbackrest://" + STANZA, "wal", "verify", "--deep").exitCode())
                .as("--deep is the tool's own job there").isEqualTo(2);

        Cli.Run list = cli.run("--repo", "pgbackrest://" + STANZA, "backup", "list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.stdout()).contains(theirBackup.get("label").asText()).contains("full");

        Cli.Run show = cli.run("--repo", "pgbackrest://" + STANZA, "backup", "show", theirBackup.get("label").asText());
        assertThat(show.exitCode()).as(show.stderr()).isZero();
        assertThat(show.stdout()).contains(theirBackup.get("label").asText()).contains("pgBackRest's")
                .contains(theirBackup.get("archive").get("stop").asText());
        assertThat(cli.run("--repo", "pgbackrest://" + STANZA, "backup", "show", "20000101-000000F").exitCode())
                .isEqualTo(2);
        JsonNode wal = Json.mapper().readTree(cli.run("--repo", "pgbackrest://" + STANZA, "--json", "wal", "list").stdout());
        assertThat(wal.get("timelines").get(0).get("segments").asLong()).isGreaterThan(3);
        assertThat(wal.get("timelines").get(0).get("stored_bytes").isNull()).as("the tool does not say").isTrue();
        assertThat(wal.get("timelines").get(0).get("ranges")).hasSize(1);
        assertThat(cli.run("--repo", "pgbackrest://" + STANZA, "wal", "list").stdout()).startsWith("timeline 1: ");

        Cli.Run missing = cli.run("--repo", "pgbackrest://nostanza", "info");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr()).contains("pgBackRest has no stanza 'nostanza'").contains(config.toString());

        assertThat(repositoryFiles()).as("pitr wrote nothing into pgBackRest's repository").isEqualTo(before);
    }

    /**
     * The mistake found from the WAL alone, read through pgBackRest: pitr fetches the segments with
     * 'pgbackrest archive-get' for pg_waldump and pins the DELETE's own transaction.
     */
    @Test
    void theWalAloneSearchReadsTheArchiveThroughPgBackRest() throws Exception {
        Cli.Run run = cli.run("--repo", "pgbackrest://" + STANZA, "--json", "target", "find", "--wal", "--table", "orders");
        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
        JsonNode found = Json.mapper().readTree(run.stdout());
        assertThat(found.get("recommendation").get("xid").asLong()).isEqualTo(deleteXid);
        assertThat(found.get("candidates").get(0).get("sql").asText()).contains("deleted 2000 row(s)"); // ids 1..500 of four batches
    }

    /**
     * The whole restore over pgBackRest's repository: pitr chooses the backup, pgBackRest restores it, the copy's
     * restore_command fetches WAL with 'pgbackrest archive-get' (after pitr's spool), replay stops just before the
     * DELETE's transaction, and the copy answers with every row the DELETE removed; the repository is untouched.
     */
    /** 'restore run' over another tool's repository to just before {@code xid}'s commit: the copy's port. */
    static int restoreJustBefore(Cli cli, String url, long xid, Path pgdata, String tool) throws IOException {
        Cli.Run run = cli.run("--repo", url, "restore", "run", "--target-xid", String.valueOf(xid), "--pgdata",
                pgdata.toString());
        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
        assertThat(run.stderr()).contains("FETCH_BACKUP: " + tool + " restores backup");
        return SeedScenarioIT.copyPort(pgdata);
    }

    /**
     * A dropped table over pgBackRest's repository: its files come from the catalog of the backup before the
     * mistake (restored by pgBackRest into a scratch directory), the DROP's own transaction is pinned in the WAL
     * read through archive-get, a restore stops just before it, and salvage puts the table back in production.
     */
    @Test
    void aDroppedTableIsPinnedThroughABackupPgBackRestRestoresAndSalvagedBack() throws Exception {
        Map<String, String> before = repositoryFiles();
        Cli.Run find = cli.run("--repo", "pgbackrest://" + STANZA, "--json", "target", "find", "--wal", "--table",
                "ledger");
        assertThat(find.exitCode()).as(find.stdout() + find.stderr()).isZero();
        assertThat(find.stderr()).contains("reading its files from backup");
        assertThat(Json.mapper().readTree(find.stdout()).get("recommendation").get("xid").asLong()).isEqualTo(dropXid);
        Path pgdata = work.resolve("copy-ledger/data");
        try {
            int port = restoreJustBefore(cli, "pgbackrest://" + STANZA, dropXid, pgdata, "pgBackRest");
            Cli.Run salvage = cli.run("--yes", "salvage", "--from-port", String.valueOf(port), "--database", "postgres",
                    "--table", "public.ledger", "--original-name");
            assertThat(salvage.exitCode()).as(salvage.stdout() + salvage.stderr()).isZero();
            assertThat(pg.query("SELECT count(*) || ' ' || max(note) FROM ledger")).isEqualTo("200 entry 99");
        } finally {
            cli.run("--repo", "pgbackrest://" + STANZA, "restore", "abort", "--pgdata", pgdata.toString());
            pg.execute("DROP TABLE IF EXISTS ledger");
        }
        assertThat(repositoryFiles()).as("pitr wrote nothing into pgBackRest's repository").isEqualTo(before);
    }

    /**
     * The copy's restore_command, run as its server runs it (the server user, in the data directory), fetches the
     * backup's first segment whole through the tool: what replay needs past the WAL pitr fetched itself.
     */
    static void restoreCommandFetches(Cli cli, String url, Path pgdata, Map<String, String> env) throws Exception {
        String segment = Json.mapper().readTree(cli.run("--repo", url, "--json", "info").stdout())
                .get("catalog").get("backups").get(0).get("first_segment").asText();
        String command = RecoveryConf.readFrom(pgdata).orElseThrow().settings().get("restore_command");
        Path dir = TestDirs.serverOwned("pitr-restore-command-");
        try {
            Path dest = dir.resolve("RECOVERYXLOG");
            ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.asServerUser(List.of("sh", "-c", "cd " + pgdata
                    + " && " + command.replace("%f", segment).replace("%p", dest.toString()))), env, Duration.ofMinutes(1));
            assertThat(r.exitCode()).as("restore_command for " + segment + ": " + r.stderr() + r.stdout()).isZero();
            assertThat(Files.size(dest)).isEqualTo(16L * 1024 * 1024);
        } finally {
            TestDirs.delete(dir);
        }
    }

    @Test
    void aRestoreStopsJustBeforeTheDeleteThroughPgBackRestsOwnRestoreAndArchiveGet() throws Exception {
        Map<String, String> before = repositoryFiles();
        Path pgdata = work.resolve("copy/data");
        try {
            int port = restoreJustBefore(cli, "pgbackrest://" + STANZA, deleteXid, pgdata, "pgBackRest");
            assertThat(SeedScenarioIT.queryOn(port, "SELECT count(*) FROM orders WHERE id <= 500"))
                    .as("every row the DELETE removed is in the copy").isEqualTo("2000");
            assertThat(SeedScenarioIT.queryOn(port, "SELECT count(*) FROM orders"))
                    .as("the full backup's 1000 rows and three batches, nothing after the DELETE").isEqualTo("4000");
            assertThat(Files.readString(pgdata.resolve("postgresql.auto.conf")))
                    .containsPattern("restore_command = '.*pgbackrest --stanza=" + STANZA + " --config=" + config
                            + " --pg1-path=" + pgdata + " archive-get %f \"%p\"'");
            restoreCommandFetches(cli, "pgbackrest://" + STANZA, pgdata, Map.of());
        } finally {
            cli.run("--repo", "pgbackrest://" + STANZA, "restore", "abort", "--pgdata", pgdata.toString());
        }
        assertThat(repositoryFiles()).as("pitr wrote nothing into pgBackRest's repository").isEqualTo(before);

        Path scratch = work.resolve("scratch");
        Cli.Run drill = cli.run("--repo", "pgbackrest://" + STANZA, "drill", "--target", "random", "--scratch",
                scratch.toString(), "--check", "SELECT count(*) >= 1000 FROM orders", "--report-json",
                work.resolve("drill.json").toString());
        assertThat(drill.exitCode()).as(drill.stdout() + drill.stderr()).isZero();
        JsonNode report = Json.mapper().readTree(work.resolve("drill.json").toFile());
        assertThat(report.get("success").asBoolean()).isTrue();
        assertThat(report.get("repository").asText()).isEqualTo("pgbackrest://" + STANZA);
        assertThat(report.get("target").asText()).as("a time inside the backup's restorable window").startsWith("time ");
        assertThat(report.get("steps")).extracting(step -> step.get("name").asText()).contains("FETCH_BACKUP", "REPLAY");
        try (Stream<Path> left = Files.list(scratch)) {
            assertThat(left.toList()).as("the scratch copy is stopped and removed").isEmpty();
        }
        assertThat(repositoryFiles()).as("the drill wrote nothing into pgBackRest's repository").isEqualTo(before);

        Cli.Run inPlace = cli.run("--repo", "pgbackrest://" + STANZA, "restore", "plan", "--target-latest", "--in-place",
                "--pgdata", pg.dataDir().toString());
        assertThat(inPlace.exitCode()).isEqualTo(2);
        assertThat(inPlace.stderr()).contains("go into a new directory");
    }
}
