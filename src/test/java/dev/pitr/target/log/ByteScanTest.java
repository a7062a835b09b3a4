package dev.pitr.target.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The byte path for plain stderr logs (messages judged before they are decoded) yields exactly what the text
 * path yields: the same entries, line numbers and counts, on ordinary and on hostile input.
 */
class ByteScanTest {
    @TempDir
    Path dir;

    private static final KeywordFilter WORDS = new KeywordFilter(List.of("drop", "truncate", "alter"), "orders",
            List.of("delete", "update"));

    private record Read(List<LogEntry> entries, long lines, long messages, long skipped, long truncated) {
    }

    private Read read(Path log, boolean bytes) {
        ScanStats stats = new ScanStats();
        List<LogEntry> out = new ArrayList<>();
        MessageFilter filter = bytes ? new MessageFilter.Words(WORDS) : new MessageFilter.Text(WORDS); // words on bytes, or decoded
        new LogReader(Optional.empty(), new LogLinePrefix("%m [%p] %q%u@%d "), LogZone.of(Optional.empty()), stats, filter)
                .read(log, out::add);
        return new Read(out, stats.lines(), stats.entries(), stats.skipped(), stats.truncated());
    }

    /** The text path counts characters for its offsets (a close guess); bytes are exact, so they are left out. */
    private static Read withoutOffsets(Read r) {
        return new Read(r.entries().stream().map(e -> new LogEntry(e.time(), e.timeText(), e.precision(), e.database(),
                e.user(), e.pid(), e.session(), e.xid(), e.severity(), e.message(), e.query(), e.file(), e.line(), e.clock(),
                -1)).toList(), r.lines(), r.messages(), r.skipped(), r.truncated());
    }

    private void assertSame(Path log) {
        Read text = withoutOffsets(read(log, false));
        Read bytes = withoutOffsets(read(log, true));
        for (int i = 0; i < Math.min(text.entries().size(), bytes.entries().size()); i++) {
            assertThat(bytes.entries().get(i)).as(log + " entry " + i).isEqualTo(text.entries().get(i));
        }
        assertThat(bytes.entries()).as(log.toString()).hasSameSizeAs(text.entries());
        assertThat(bytes).as(log.toString()).isEqualTo(text);
    }

    @Test
    void ordinaryLogsGiveTheSameEntries() throws Exception {
        Path log = Files.writeString(dir.resolve("a.log"), String.join("\n",
                "2026-03-25 14:13:59.120 UTC [1] app@shop LOG:  statement: INSERT INTO orders VALUES (1)",
                "2026-03-25 14:14:02.345 UTC [2] app@shop LOG:  statement: DELETE",
                "\tFROM orders;",
                "2026-03-25 14:14:03.000 UTC [3] LOG:  checkpoint starting: time",
                "2026-03-25 14:14:04.000 UTC [4] app@shop LOG:  duration: 1.5 ms  statement: DROP TABLE x",
                "a line that continues without a tab",
                "2026-03-25 14:14:05.000 UTC [5] app@shop ERROR:  relation \"orders\" does not exist",
                "2026-03-25 14:14:05.000 UTC [5] app@shop STATEMENT:  TRUNCATE orders") + "\n");
        assertSame(log);
        assertThat(read(log, true).entries()).extracting(LogEntry::line).containsExactly(2L, 5L, 8L);
    }

    @Test
    void hostileBytesGiveTheSameEntriesAndCounts() throws Exception {
        Random random = new Random(11);
        String[] pieces = {"2026-03-25 14:14:02.345 UTC [2] app@shop LOG:  statement: DELETE FROM orders",
                "2026-03-25 14:14:02.345 UTC [7] LOG:  statement: DROP TABLE t", "\tcontinued drop", "plain text",
                "2026-03-25 14:14:02.345 UTC [8] app@shop LOG:  statement: UPDATE orders SET a = 'ü€'",
                "\u0000\u0001garbage\u0002", "2026-03-25 14:14:02.345 UTC [9] app@shop LOG:  statement: SELECT 1\r", "",
                // the shortcuts: a line starting with a digit and a separator but no time, a time with no message,
                // the SQL after "statement: " only, a message that is only "statement:"
                "1:  DELETE FROM orders", "2026-03-25 14:14:02:  UPDATE orders SET a = 1", "2026-03-25 14:14:02.345",
                "2026-03-25 14:14:02.345 UTC [9] app@shop LOG:  statement: ", "2026-03-25 14:14:02.345 UTC [9] LOG:  statement:"};
        for (int round = 0; round < 20; round++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (round % 5 == 4) {
                out.write("x".repeat(LogFiles.MAX_LINE + 17).getBytes(StandardCharsets.US_ASCII)); // an over-long line
                out.write('\n');
            }
            for (int i = 0; i < 3000; i++) {
                if (random.nextInt(50) == 0) {
                    byte[] junk = new byte[random.nextInt(40)];
                    random.nextBytes(junk);
                    out.write(junk); // invalid UTF-8, stray newlines and control bytes
                } else {
                    out.write(pieces[random.nextInt(pieces.length)].getBytes(StandardCharsets.UTF_8));
                }
                out.write('\n');
            }
            if (round % 2 == 1) {
                out.write("2026-03-25 14:14:09.000 UTC [9] app@shop LOG:  statement: TRUNCATE orders".getBytes(
                        StandardCharsets.US_ASCII)); // no newline at the end
            }
            Path log = Files.write(dir.resolve("r" + round + ".log"),
                    ("2026-03-25 14:14:00.000 UTC [1] LOG:  starting\n").getBytes(StandardCharsets.US_ASCII));
            Files.write(log, out.toByteArray(), java.nio.file.StandardOpenOption.APPEND);
            assertSame(log);
        }
    }

    @Test
    void aRangeOfAFileCountsItsLinesFromItsStart() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            sb.append("2026-03-25 14:14:02.345 UTC [").append(i).append("] app@shop LOG:  statement: ")
                    .append(i % 100 == 0 ? "DELETE FROM orders" : "SELECT 1").append('\n').append("\tAND more\n");
        }
        Path log = Files.writeString(dir.resolve("big.log"), sb);
        long size = Files.size(log);
        long middle = LogFiles.messageBoundary(log, size / 2);
        assertThat(Files.readString(log).charAt((int) middle)).isEqualTo('2');
        List<LogEntry> parts = new ArrayList<>();
        ScanStats first = new ScanStats();
        new LogReader(Optional.empty(), new LogLinePrefix("%m [%p] %q%u@%d "), LogZone.of(Optional.empty()), first, new MessageFilter.Words(WORDS))
                .readRange(log, 0, middle, parts::add);
        List<LogEntry> second = new ArrayList<>();
        new LogReader(Optional.empty(), new LogLinePrefix("%m [%p] %q%u@%d "), LogZone.of(Optional.empty()), new ScanStats(),
                new MessageFilter.Words(WORDS)).readRange(log, middle, size, second::add);
        second.forEach(e -> parts.add(e.shifted(first.lines())));
        assertThat(parts).extracting(LogEntry::line, LogEntry::offset).isEqualTo(read(log, true).entries().stream()
                .map(e -> org.assertj.core.groups.Tuple.tuple(e.line(), e.offset())).toList());
        assertThat(parts).hasSize(20);
    }

    @Test
    void durationLinesAreSearchedAfterTheirStatementAndGiveTheSameEntries() throws Exception {
        Path log = Files.writeString(dir.resolve("d.log"), String.join("\n",
                // the words must be found in the SQL, never in "duration: ... ms  statement: " (or the prefix)
                "2026-03-25 14:14:01.000 UTC [1] drop@shop LOG:  duration: 0.216 ms  statement: UPDATE orders SET a = 1",
                "2026-03-25 14:14:02.000 UTC [2] app@shop LOG:  duration: 12,5 ms  statement: DELETE FROM orders",
                "2026-03-25 14:14:03.000 UTC [3] app@shop LOG:  duration: 0.100 ms  statement: SELECT 1",
                "2026-03-25 14:14:04.000 UTC [4] app@shop LOG:  duration: 0.3 ms  execute <unnamed>: DROP TABLE x",
                "2026-03-25 14:14:05.000 UTC [5] app@shop LOG:  duration: 0.3 ms  statement: ALTER TABLE y DROP c") + "\n");
        assertSame(log);
        assertThat(read(log, true).entries()).extracting(LogEntry::line).containsExactly(1L, 2L, 4L, 5L);
        LogMessages.LoggedStatement st = LogMessages.standard().statement("duration: 12,5 ms  statement: DELETE FROM orders")
                .orElseThrow();
        assertThat(st.sql()).isEqualTo("DELETE FROM orders");
        assertThat(st.duration()).contains(java.time.Duration.ofNanos(12_500_000));
    }

    @Test
    void aFilterNarrowedToSessionsKeepsOnlyTheirMessagesAndSeveritiesPassWithoutWords() throws Exception {
        Path log = Files.writeString(dir.resolve("s.log"), String.join("\n",
                "2026-03-25 14:14:01.000 UTC [41] app@shop LOG:  statement: BEGIN",
                "2026-03-25 14:14:02.000 UTC [4142] app@shop LOG:  statement: BEGIN",
                "2026-03-25 14:14:03.000 UTC [7] app@shop ERROR:  relation \"t\" does not exist",
                "2026-03-25 14:14:04.000 UTC [41] app@shop ERROR:  deadlock detected",
                "2026-03-25 14:14:05.000 UTC [41] app@shop LOG:  statement: SELECT 1") + "\n");
        KeywordFilter control = new KeywordFilter(List.of("begin", "commit", "rollback"), null, List.of(), List.of("ERROR"));
        List<LogEntry> all = new ArrayList<>();
        new LogReader(Optional.empty(), new LogLinePrefix("%m [%p] %q%u@%d "), LogZone.of(Optional.empty()), new ScanStats(),
                new MessageFilter.Words(control)).read(log, all::add);
        assertThat(all).extracting(LogEntry::line).containsExactly(1L, 2L, 3L, 4L);
        List<LogEntry> mine = new ArrayList<>();
        ScanStats stats = new ScanStats();
        new LogReader(Optional.empty(), new LogLinePrefix("%m [%p] %q%u@%d "), LogZone.of(Optional.empty()), stats,
                new MessageFilter.Words(control.inSessions(List.of(41)))).read(log, mine::add);
        assertThat(mine).as("pid 41 as a whole number only: not 4142, not 7").extracting(LogEntry::line).containsExactly(1L, 4L);
        assertThat(stats.entries()).as("every message is still counted as read").isEqualTo(5);
    }
}
