package dev.pitr.target.log;


import dev.pitr.core.PitrException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Prefix detection and inference, envelopes, translated messages and the one-pass word filter. */
class LogDetectionTest {
    @TempDir
    Path dir;

    @Test
    void aPrefixNobodyShipsIsInferredFromTheLines() {
        List<String> heads = List.of(
                "2026-12-01 10:00:00.101 UTC [4242]: [1-1] user=app,db=shop,app=psql,client=10.0.0.7 LOG:  statement: SELECT 1",
                "2026-12-01 10:00:00.202 UTC [4242]: [2-1] user=app,db=shop,app=psql,client=10.0.0.7 LOG:  statement: DROP TABLE t",
                "2026-12-01 10:00:01.000 UTC [99]: [3-1] user=,db=,app=,client= LOG:  checkpoint starting: time");
        PrefixDetector.Detected d = PrefixDetector.detect(heads, "test.log");
        assertThat(d.matched()).isEqualTo(3);
        LogLinePrefix p = new LogLinePrefix(d.prefix());
        var m = p.match(heads.get(1)).orElseThrow();
        assertThat(p.group(m, "db")).isEqualTo("shop");
        assertThat(p.group(m, "user")).isEqualTo("app");
        assertThat(p.group(m, "pid")).isEqualTo("4242");
        assertThat(m.group("msg")).isEqualTo("statement: DROP TABLE t");
    }

    @Test
    void theLogsOwnPrefixChangeWinsAndAnUnreadableLogIsRefusedWithASample() {
        List<String> heads = List.of(
                "2026-12-01 10:00:00.101 UTC [1] LOG:  parameter \"log_line_prefix\" changed to \"%m|%p|%d| \"",
                "2026-12-01 10:00:01.000 UTC|7|shop| LOG:  statement: DELETE FROM t",
                "2026-12-01 10:00:02.000 UTC|7|shop| LOG:  statement: SELECT 1");
        assertThat(PrefixDetector.fromLog(heads)).containsExactly("%m|%p|%d| ");
        assertThat(PrefixDetector.detect(heads, "x.log").prefix()).isEqualTo("%m|%p|%d| ");
        List<String> junk = List.of("hello:  world", "lorem:  ipsum dolor", "foo:  bar");
        assertThatThrownBy(() -> PrefixDetector.detect(junk, "junk.log")).isInstanceOf(PitrException.class)
                .hasMessageContaining("junk.log").hasMessageContaining("hello:  world")
                .hasMessageContaining("--log-line-prefix");
    }

    @Test
    void aLargeSampleIsScoredOnAnEvenSpreadButTheLogsPrefixChangeIsFoundAnywhereInIt() {
        List<String> heads = new java.util.ArrayList<>();
        for (int i = 0; i < 2999; i++) {
            heads.add(i % 2 == 0 ? "2026-12-01 10:00:00.101 UTC [7] app@shop LOG:  statement: SELECT " + i
                    : "2026-12-01 10:00:00.101 UTC [8] LOG:  checkpoint starting: time");
        }
        // at index 1 the change line is not among the 1,000 heads scored (every third one)
        heads.add(1, "2026-12-01 10:00:00.101 UTC [1] LOG:  parameter \"log_line_prefix\" changed to \"%m|%p|%d| \"");
        List<String> scored = PrefixDetector.spread(heads, PrefixDetector.SCORED_HEADS);
        assertThat(scored).hasSize(1000).doesNotContain(heads.get(1)).contains(heads.get(0), heads.get(2997));

        PrefixDetector.Detected d = PrefixDetector.detect(heads, "big.log");
        assertThat(d.prefix()).isEqualTo("%m [%p] %q%u@%d ");
        assertThat(d.sampled()).isEqualTo(1000);
        assertThat(d.alternates()).containsExactly("%m|%p|%d| ");
    }

    @Test
    void prefixesPastedFromTheConfigAreNormalised() {
        assertThat(LogLinePrefix.normalize("'%m [%p] '")).isEqualTo("%m [%p]");
        assertThat(LogLinePrefix.normalize("log_line_prefix = '%m [%p] %q%u@%d '  # Debian")).isEqualTo("%m [%p] %q%u@%d");
        assertThat(LogLinePrefix.normalize("\"%t:%r:%u@%d:[%p]:\"")).isEqualTo("%t:%r:%u@%d:[%p]:");
        LogLinePrefix noSpace = new LogLinePrefix("%m [%p]");
        assertThat(noSpace.match("2026-12-01 10:00:00.000 UTC [5] LOG:  statement: x")).isPresent();
        LogLinePrefix rds = new LogLinePrefix("%t:%r:%u@%d:[%p]:");
        assertThat(rds.match("2026-12-01 10:00:00 UTC:10.0.0.1(5432):app@shop:[77]:LOG:  statement: x")).isPresent();
    }

    @Test
    void translatedMessagesAreReadWithTheirDurationAndSeverity() {
        LogMessages m = LogMessages.standard();
        assertThat(m.languages()).as("the catalogs of postgresql-15").isGreaterThan(5);
        var fr = m.statement("durée : 8.854 ms, instruction : DELETE FROM orders").orElseThrow();
        assertThat(fr.sql()).isEqualTo("DELETE FROM orders");
        assertThat(fr.logged()).isEqualTo(LogMessages.Logged.AFTER_DURATION);
        assertThat(fr.duration()).contains(Duration.ofNanos(8_854_000));
        assertThat(m.statement("Anweisung: DROP TABLE t").orElseThrow().logged()).isEqualTo(LogMessages.Logged.AT_START);
        assertThat(m.statement("execute S_1: TRUNCATE t").orElseThrow().sql()).isEqualTo("TRUNCATE t");
        assertThat(m.statement("duration: 0.120 ms  execute <unnamed>: DELETE FROM t").orElseThrow().duration())
                .contains(Duration.ofNanos(120_000));
        assertThat(m.statement("checkpoint starting: time")).isEmpty();
        assertThat(m.english("FEHLER")).isEqualTo(Severity.ERROR);
        assertThat(m.english("ОШИБКА")).isEqualTo(Severity.ERROR);
        assertThat(m.english("INSTRUCTION ")).isEqualTo(Severity.STATEMENT);
        LogLinePrefix p = new LogLinePrefix("%m [%p] ");
        assertThat(p.match("2026-12-01 10:00:00.000 UTC [5] ОШИБКА:  отношение не существует")).isPresent();
    }

    @Test
    void syslogEnvelopesAndTheirChunks() {
        var trad = SyslogEnvelope.parse("Dec  1 15:33:55 db1 postgres[4242]: [5-2] #011FROM orders", 0).orElseThrow();
        assertThat(trad.pid()).isEqualTo(4242);
        assertThat(trad.continuation()).isTrue();
        assertThat(trad.body()).isEqualTo("\tFROM orders");
        assertThat(trad.time(2026, Optional.of(java.time.ZoneOffset.UTC)).orElseThrow().instant())
                .isEqualTo(Instant.parse("2026-12-01T15:33:55Z"));
        var iso = SyslogEnvelope.parse("2026-12-01T15:33:55.526123+08:00 db1 postgres[7]: [3-1] LOG:  statement: x", 0)
                .orElseThrow();
        assertThat(iso.time(0, Optional.empty()).orElseThrow())
                .isEqualTo(new LogTime.Parsed(Instant.parse("2026-12-01T07:33:55.526123Z"), LogTime.Precision.MICROS));
        var cri = SyslogEnvelope.parse("2026-12-01T07:33:55.526123456Z stderr F 2026-12-01 07:33:55.526 UTC [1] LOG:  x", 0)
                .orElseThrow();
        assertThat(cri.body()).startsWith("2026-12-01 07:33:55.526 UTC [1] LOG:");
        assertThat(SyslogEnvelope.parse("2026-12-01 07:33:55.526 UTC [1] LOG:  x", 0)).isEmpty();
    }

    @Test
    void compressedLogsAreReadByTheirContentWhateverTheirName() throws Exception {
        String line = "2026-12-01 10:00:00.000 UTC [5] LOG:  statement: DROP TABLE t\n";
        List<Path> files = List.of(
                write("a.log.1", gzip(line)), write("b.log", bzip2(line)), write("c", xz(line)));
        for (Path f : files) {
            List<LogEntry> out = new ArrayList<>();
            new LogReader(Optional.empty(), new LogLinePrefix("%m [%p] "), Optional.empty(), new ScanStats()).read(f, out::add);
            assertThat(out).as(f.toString()).extracting(LogEntry::message).containsExactly("statement: DROP TABLE t");
        }
    }

    @Test
    void theWordFilterFindsWordsInAnyCaseInOnePass() {
        WordSet w = new WordSet(List.of("drop", "truncate", "orders"));
        assertThat(w.find("x DROP TABLE y")).isEqualTo(w.mask("drop"));
        assertThat(w.find("select * from Orders")).isEqualTo(w.mask("orders"));
        assertThat(w.find("TRUNCATE orders")).isEqualTo(w.mask("truncate", "orders"));
        assertThat(w.find("orders")).as("at the very start and end").isEqualTo(w.mask("orders"));
        assertThat(w.find("dro p truncat order")).isZero();
        assertThat(w.find("")).isZero();
    }

    @Test
    void theSkippingByteSearchFindsWhatAPlainSearchFinds() {
        List<String> words = List.of("drop", "truncate", "alter", "delete", "update", "orders", "t1", "bestellungenä");
        java.util.Random random = new java.util.Random(7);
        String alphabet = "dropTRUNCATEalterDeleteupdatOrderst1 ;äÄbestellungen\n:";
        for (List<String> set : List.of(words, words.subList(0, 6), words.subList(3, 6), List.of("orders"),
                List.of("bestellungenä", "orders"))) {
            WordSet w = new WordSet(set);
            for (int round = 0; round < 3000; round++) {
                StringBuilder text = new StringBuilder();
                int len = random.nextInt(60);
                for (int i = 0; i < len; i++) {
                    text.append(random.nextInt(4) == 0 ? set.get(random.nextInt(set.size()))
                            : String.valueOf(alphabet.charAt(random.nextInt(alphabet.length()))));
                }
                byte[] b = ("xx" + text + "yy").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                String lower = new String(b, 2, b.length - 4, java.nio.charset.StandardCharsets.UTF_8)
                        .toLowerCase(java.util.Locale.ROOT);
                long expected = 0;
                for (String word : set) {
                    if (lower.contains(word)) {
                        expected |= w.mask(word);
                    }
                }
                assertThat(w.find(b, 2, b.length - 2)).as("%s in '%s'", set, text).isEqualTo(expected);
            }
        }
    }

    private Path write(String name, byte[] data) throws Exception {
        return Files.write(dir.resolve(name), data);
    }

    private static byte[] gzip(String s) throws Exception {
        return compress(s, java.util.zip.GZIPOutputStream::new);
    }

    private static byte[] bzip2(String s) throws Exception {
        return compress(s, org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream::new);
    }

    private static byte[] xz(String s) throws Exception {
        return compress(s, org.apache.commons.compress.compressors.xz.XZCompressorOutputStream::new);
    }

    interface Compressor {
        OutputStream wrap(OutputStream out) throws java.io.IOException;
    }

    private static byte[] compress(String s, Compressor c) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = c.wrap(b)) {
            out.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return b.toByteArray();
    }
}
