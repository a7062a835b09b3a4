package dev.pitr.target.log;

import dev.pitr.core.PitrException;
import com.github.luben.zstd.Zstd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogReaderTest {
    @TempDir
    Path dir;

    private List<LogEntry> read(Path file, String prefix, Optional<ZoneId> zone, ScanStats stats) {
        List<LogEntry> out = new ArrayList<>();
        new LogReader(Optional.empty(), new LogLinePrefix(prefix), zone, stats).read(file, out::add);
        return out;
    }

    @Test
    void stderrWithAPrefixJoinsContinuationLinesAndSkipsJunk() throws Exception {
        Path log = Files.writeString(dir.resolve("postgresql.log"), String.join("\n",
                "2026-03-25 14:13:59.120 CET [4242] app@shop LOG:  statement: INSERT INTO orders VALUES (1)",
                "2026-03-25 14:14:02.345 CET [4243] app@shop LOG:  statement: DROP TABLE",
                "\t    temp_migration_backup;",
                "\u0000\u0001\u0002\u0003garbage\u0004\u0005",
                "2026-03-25 14:14:03.000 CET [99] LOG:  checkpoint starting: time",
                "") + "\n");
        ScanStats stats = new ScanStats();
        List<LogEntry> entries = read(log, "%m [%p] %q%u@%d ", Optional.empty(), stats);
        assertThat(entries).hasSize(3);
        LogEntry drop = entries.get(1);
        assertThat(drop.message()).isEqualTo("statement: DROP TABLE\n    temp_migration_backup;");
        assertThat(drop.time()).isEqualTo(Instant.parse("2026-03-25T13:14:02.345Z"));
        assertThat(drop.user()).isEqualTo("app");
        assertThat(drop.database()).isEqualTo("shop");
        assertThat(drop.pid()).isEqualTo(4243);
        assertThat(entries.get(2).user()).as("%q: no session fields").isNull();
        assertThat(stats.skipped()).isEqualTo(1);
    }

    @Test
    void resolvesZoneNamesAcrossDaylightSavingChanges() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        // 2026-10-25 02:30 happens twice in Berlin: first as CEST (+2), then as CET (+1)
        assertThat(LogTime.parse("2026-10-25 02:30:00.000 CEST", Optional.of(berlin)).orElseThrow().instant())
                .isEqualTo(Instant.parse("2026-10-25T00:30:00Z"));
        assertThat(LogTime.parse("2026-10-25 02:30:00.000 CET", Optional.of(berlin)).orElseThrow().instant())
                .isEqualTo(Instant.parse("2026-10-25T01:30:00Z"));
        ZoneId ny = ZoneId.of("America/New_York");
        assertThat(LogTime.parse("2026-07-01 10:00:00 EDT", Optional.of(ny)).orElseThrow())
                .isEqualTo(new LogTime.Parsed(Instant.parse("2026-07-01T14:00:00Z"), LogTime.Precision.SECONDS));
        assertThat(LogTime.parse("2026-07-01 10:00:00.5 +0530", Optional.empty()).orElseThrow().instant())
                .isEqualTo(Instant.parse("2026-07-01T04:30:00.500Z"));
        assertThat(LogTime.parse("2026-01-01 10:00:00 PST", Optional.of(ZoneId.of("America/Los_Angeles"))).orElseThrow()
                .instant()).isEqualTo(Instant.parse("2026-01-01T18:00:00Z"));
        assertThat(LogTime.parse("not a time at all, no", Optional.empty())).isEmpty();
    }

    @Test
    void ambiguousAbbreviationsAreResolvedOnlyWithTheServersZoneAndRefusedWithout() {
        // CST is China, Cuba and US Central; IST is India, Ireland and Israel; BST is Britain and Bougainville
        assertThat(LogTime.parse("2026-12-01 15:33:55.526 CST", Optional.of(ZoneId.of("Asia/Shanghai"))).orElseThrow()
                .instant()).isEqualTo(Instant.parse("2026-12-01T07:33:55.526Z"));
        assertThat(LogTime.parse("2026-12-01 15:33:55.526 CST", Optional.of(ZoneId.of("America/Chicago"))).orElseThrow()
                .instant()).isEqualTo(Instant.parse("2026-12-01T21:33:55.526Z"));
        assertThat(LogTime.parse("2026-12-01 15:33:55.526 IST", Optional.of(ZoneId.of("Asia/Kolkata"))).orElseThrow()
                .instant()).isEqualTo(Instant.parse("2026-12-01T10:03:55.526Z"));
        assertThat(LogTime.parse("2026-07-01 15:33:55 BST", Optional.of(ZoneId.of("Europe/London"))).orElseThrow()
                .instant()).isEqualTo(Instant.parse("2026-07-01T14:33:55Z"));
        for (String abbr : List.of("CST", "IST", "BST", "AST")) {
            assertThatThrownBy(() -> LogTime.parse("2026-12-01 15:33:55.526 " + abbr, Optional.empty()))
                    .isInstanceOf(PitrException.class)
                    .hasMessageContaining("'" + abbr + "' is ambiguous").hasMessageContaining("--log-timezone");
        }
        assertThatThrownBy(() -> LogTime.parse("2026-12-01 15:33:55.526 CST", Optional.empty()))
                .hasMessageContaining("Asia/Shanghai").hasMessageContaining("America/Chicago");
        // a zone that contradicts the abbreviation is refused, never silently applied
        assertThatThrownBy(() -> LogTime.parse("2026-12-01 15:33:55.526 CST", Optional.of(ZoneId.of("Europe/Berlin"))))
                .hasMessageContaining("Europe/Berlin");
    }

    @Test
    void whatALineStatesItselfWinsOverTheGivenZoneWithAWarning() {
        List<String> warnings = new ArrayList<>();
        LogZone berlin = new LogZone(Optional.of(ZoneId.of("Europe/Berlin")), "--log-timezone", warnings::add);
        assertThat(LogTime.parse("2026-12-01 15:33:55.526 UTC", berlin).orElseThrow().instant())
                .isEqualTo(Instant.parse("2026-12-01T15:33:55.526Z"));
        assertThat(LogTime.parse("2026-12-01 15:33:55.526 MSK", berlin).orElseThrow().instant())
                .isEqualTo(Instant.parse("2026-12-01T12:33:55.526Z"));
        assertThat(LogTime.parse("2026-12-01 15:33:55.526 +05:30", berlin).orElseThrow().instant())
                .isEqualTo(Instant.parse("2026-12-01T10:03:55.526Z"));
        assertThat(LogTime.parse("2026-12-01 15:33:55.526 CET", berlin).orElseThrow().instant())
                .isEqualTo(Instant.parse("2026-12-01T14:33:55.526Z"));
        assertThat(warnings).hasSize(3).allMatch(w -> w.contains("Europe/Berlin") && w.contains("the log's own zone is used"));
        LogTime.parse("2026-12-01 15:34:00.000 UTC", berlin);
        assertThat(warnings).as("once per zone").hasSize(3);
        assertThatThrownBy(() -> LogTime.parse("2026-12-01 15:33:55 XYZT", Optional.empty()))
                .hasMessageContaining("'XYZT' is not one pitr knows");
        assertThat(LogTime.parse("2026-12-01 15:33:55.526123 -03", Optional.empty()).orElseThrow())
                .isEqualTo(new LogTime.Parsed(Instant.parse("2026-12-01T18:33:55.526123Z"), LogTime.Precision.MICROS));
    }

    @Test
    void csvlogWithMultiLineFieldsAndBrokenQuotingKeepsGoing() throws Exception {
        String good = "2026-03-25 14:14:02.345 UTC,\"app\",\"shop\",4243,\"127.0.0.1:5000\",65f1.10a3,7,\"DROP TABLE\","
                + "2026-03-25 14:00:00 UTC,3/12,0,LOG,00000,\"statement: DROP TABLE \"\"Odd\"\",\n  other\",,,,,,,,,\"psql\",\"client backend\",,0";
        String broken = "2026-03-25 14:15:00.000 UTC,\"app,\"shop\",1,,x,1,,,,0,LOG,00000,\"never closed";
        Path log = Files.writeString(dir.resolve("postgresql.csv"), good + "\n" + broken + "\n");
        ScanStats stats = new ScanStats();
        List<LogEntry> entries = read(log, "%m ", Optional.empty(), stats);
        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.message()).isEqualTo("statement: DROP TABLE \"Odd\",\n  other");
            assertThat(e.session()).isEqualTo("65f1.10a3");
            assertThat(e.database()).isEqualTo("shop");
        });
        assertThat(stats.skipped()).isEqualTo(1);
    }

    @Test
    void jsonlogAndCompressedRotatedFiles() throws Exception {
        String json = "{\"timestamp\":\"2026-03-25 14:14:02.345 CET\",\"user\":\"app\",\"dbname\":\"shop\",\"pid\":4243,"
                + "\"session_id\":\"65f1.10a3\",\"txid\":0,\"error_severity\":\"LOG\",\"message\":\"statement: DROP TABLE t\"}\n"
                + "{not json\n";
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }
        Path gzFile = Files.write(dir.resolve("postgresql-1.json.gz"), gz.toByteArray());
        Path zstFile = Files.write(dir.resolve("postgresql-2.json.zst"), Zstd.compress(json.getBytes(StandardCharsets.UTF_8)));
        for (Path f : List.of(gzFile, zstFile)) {
            ScanStats stats = new ScanStats();
            assertThat(read(f, "%m ", Optional.empty(), stats)).singleElement()
                    .satisfies(e -> assertThat(e.time()).isEqualTo(Instant.parse("2026-03-25T13:14:02.345Z")));
            assertThat(stats.skipped()).isEqualTo(1);
        }
    }

    @Test
    void randomBytesAndHugeLinesAreBoundedAndCounted() throws Exception {
        byte[] junk = new byte[200_000];
        new Random(5).nextBytes(junk);
        Path log = dir.resolve("junk.log");
        Files.writeString(log, "2026-03-25 14:14:01.000 UTC [1] LOG:  database system is ready to accept connections\n");
        Files.write(log, junk, java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(log, "x".repeat(3 * LogFiles.MAX_LINE) + "\n"
                + "2026-03-25 14:14:02.345 UTC [1] LOG:  statement: TRUNCATE t\n", java.nio.file.StandardOpenOption.APPEND);
        ScanStats stats = new ScanStats();
        List<LogEntry> entries = read(log, "%m [%p] ", Optional.empty(), stats);
        assertThat(entries).extracting(LogEntry::message).contains("statement: TRUNCATE t");
        assertThat(stats.truncated()).isGreaterThanOrEqualTo(1);
        assertThat(stats.skipped()).isGreaterThan(0);
    }

    @Test
    void aFileThatIsNoLogAtAllIsRefusedByNameNotScannedAsText() throws Exception {
        byte[] junk = new byte[10_000];
        new Random(7).nextBytes(junk);
        Path binary = Files.write(dir.resolve("core.dump"), junk);
        assertThatThrownBy(() -> read(binary, "%m [%p] ", Optional.empty(), new ScanStats()))
                .isInstanceOf(PitrException.class).hasMessageContaining(binary.toString())
                .hasMessageContaining("not a log pitr reads");
        Path zip = Files.write(dir.resolve("logs.zip"), new byte[]{'P', 'K', 3, 4, 0, 0, 0, 0});
        assertThatThrownBy(() -> read(zip, "%m [%p] ", Optional.empty(), new ScanStats()))
                .hasMessageContaining("unpack it first");
        Path json = Files.writeString(dir.resolve("app.json"), "{\"event\": \"login\", \"user\": 7}\n");
        assertThatThrownBy(() -> read(json, "%m [%p] ", Optional.empty(), new ScanStats()))
                .hasMessageContaining("neither jsonlog");
    }

    @Test
    void aHundredMegabyteLineWithoutNewlineIsCutAndTheScanGoesOn() throws Exception {
        Path log = dir.resolve("huge.log");
        byte[] chunk = "y".repeat(1 << 20).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (var out = Files.newOutputStream(log)) {
            out.write("2026-03-25 14:14:01.000 UTC [1] LOG:  statement: SELECT '".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            for (int i = 0; i < 100; i++) {
                out.write(chunk); // 100 MiB in one line: the reader keeps at most MAX_LINE of it
            }
            out.write("'\n2026-03-25 14:14:02.345 UTC [1] LOG:  statement: DROP TABLE orders\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        ScanStats stats = new ScanStats();
        List<LogEntry> entries = read(log, "%m [%p] ", Optional.empty(), stats);
        assertThat(entries).extracting(LogEntry::message).contains("statement: DROP TABLE orders");
        assertThat(entries).allSatisfy(e -> assertThat(e.message().length()).isLessThanOrEqualTo(LogFiles.MAX_LINE));
        assertThat(stats.truncated()).isEqualTo(1);
    }

    /** Found by the fuzzer: a prefix of unknown and padded escapes stacked lazy wildcards (25 s for one line). */
    @Test
    void unknownEscapesAreIgnoredAndFreeTextFieldsDoNotStack() {
        assertThat(new LogLinePrefix("%m %y%,%2( [%p] ").pattern().pattern())
                .isEqualTo(new LogLinePrefix("%m  [%p] ").pattern().pattern());
        assertThat(new LogLinePrefix("%a%h%r%-10a%2s ").pattern().pattern()).containsOnlyOnce(".*?");
        assertThat(new LogLinePrefix("%m %a%h [%p] ").pattern()
                .matcher("2026-03-25 14:14:02.345 UTC psql10.0.0.5 [42] LOG:  statement: DROP TABLE t").matches()).isTrue();
    }

    /**
     * Found by the fuzzer: with several free-text fields a line that does not fit can backtrack for minutes
     * (this one ran for more than 10 s unbounded); it is skipped within a step budget and the scan goes on.
     */
    @Test
    void anAmbiguousPrefixCannotStallTheScan() throws Exception {
        Path log = Files.writeString(dir.resolve("ambiguous.log"), "a ".repeat(300) + "[x] LOG:  statement: DROP TABLE t\n"
                + "alice shop alice shop alice shop alice shop alice shop [42] LOG:  statement: DROP TABLE orders\n");
        ScanStats stats = new ScanStats();
        List<LogEntry> entries = read(log, "%u %d %u %d %u %d %u %d %u %d [%p] ", Optional.empty(), stats);
        assertThat(entries).extracting(LogEntry::message).containsExactly("statement: DROP TABLE orders");
        assertThat(entries.get(0).user()).isEqualTo("alice");
        assertThat(stats.skipped()).isEqualTo(1);
    }

    @Test
    void prefixesWithXidEpochAndPadding() {
        LogLinePrefix p = new LogLinePrefix("%n %-8p %x %c %l %v %a %e: ");
        assertThat(p.hasXid()).isTrue();
        var m = p.pattern().matcher("1774444442.345 4243     745 65f1.10a3 7 3/12 psql 00000: LOG:  statement: DROP TABLE t");
        assertThat(m.matches()).isTrue();
        assertThat(m.group("xid")).isEqualTo("745");
        assertThat(m.group("pid")).isEqualTo("4243");
    }
}
