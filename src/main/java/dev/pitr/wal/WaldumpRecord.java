package dev.pitr.wal;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One line of pg_waldump's output (run with TZ=UTC), and what a suspect search reads from it: the block
 * references, a commit's time, subtransactions and dropped files, a lock's transaction, a created file.
 */
public record WaldumpRecord(String rmgr, long tx, Lsn lsn, String desc) {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern(
            "yyyy-MM-dd HH:mm:ss[.SSSSSS][.SSSSS][.SSSS][.SSS][.SS][.S]");

    /** Parses a record line; anything else pg_waldump prints (errors, statistics) is empty. */
    public static Optional<WaldumpRecord> parse(String line) {
        if (!line.startsWith("rmgr: ")) {
            return Optional.empty();
        }
        int rmgrEnd = line.indexOf(' ', 6);
        int tx = line.indexOf("tx:", rmgrEnd);
        int lsn = tx < 0 ? -1 : line.indexOf("lsn: ", tx);
        int desc = lsn < 0 ? -1 : line.indexOf("desc: ", lsn);
        if (rmgrEnd < 0 || desc < 0) {
            return Optional.empty();
        }
        try {
            long xid = Long.parseLong(line.substring(tx + 3, line.indexOf(',', tx)).trim());
            Lsn at = Lsn.parse(line.substring(lsn + 5, line.indexOf(',', lsn)));
            return Optional.of(new WaldumpRecord(line.substring(6, rmgrEnd), xid, at, line.substring(desc + 6)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    public boolean isCommit() {
        return rmgr.equals("Transaction") && desc.startsWith("COMMIT ");
    }

    public boolean isAbort() {
        return rmgr.equals("Transaction") && desc.startsWith("ABORT ");
    }

    /** A commit's or abort's time (pg_waldump prints it in the zone of its TZ, which pitr sets to UTC). */
    public Optional<Instant> time() {
        int start = desc.indexOf(' ') + 1;
        int end = desc.indexOf(" UTC", start);
        if (end < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDateTime.parse(desc.substring(start, end), TS).toInstant(ZoneOffset.UTC));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The subtransactions a commit or abort ends with it. */
    public List<Long> subxacts() {
        return numbers(section("subxacts: "));
    }

    /** The relation files a commit (or abort) removes: what DROP and TRUNCATE leave behind. */
    public List<RelFileNode> droppedFiles() {
        List<RelFileNode> out = new ArrayList<>();
        for (String p : section("rels: ").split(" ")) {
            RelFileNode.parsePath(p).ifPresent(out::add);
        }
        return out;
    }

    /** The relations whose blocks the record changes ({@code blkref #0: rel 1663/16384/16386 blk 0}). */
    public List<RelFileNode> blockRelations() {
        List<RelFileNode> out = new ArrayList<>();
        int at = desc.indexOf("rel ");
        while (at >= 0) {
            int end = desc.indexOf(' ', at + 4);
            RelFileNode.parseTriple(desc.substring(at + 4, end < 0 ? desc.length() : end)).ifPresent(out::add);
            at = desc.indexOf("rel ", at + 4);
        }
        return out;
    }

    /** Heap changes by kind: the first word of the description ({@code DELETE}, {@code UPDATE}, {@code HOT_UPDATE}). */
    public String heapOperation() {
        int end = desc.indexOf(' ');
        String op = end < 0 ? desc : desc.substring(0, end);
        return op.replace("+INIT", "");
    }

    /** The transaction of a Standby LOCK record: it holds an AccessExclusiveLock a paused standby replays. */
    public Optional<Long> lockXid() {
        if (!rmgr.equals("Standby") || !desc.startsWith("LOCK xid ")) {
            return Optional.empty();
        }
        int end = desc.indexOf(' ', 9);
        return Optional.of(Long.parseLong(desc.substring(9, end < 0 ? desc.length() : end)));
    }

    /** The file a Storage CREATE record makes (a new table, or the new file of a TRUNCATE or rewrite). */
    public Optional<RelFileNode> createdFile() {
        if (!rmgr.equals("Storage") || !desc.startsWith("CREATE ")) {
            return Optional.empty();
        }
        return RelFileNode.parsePath(desc.substring(7).trim());
    }

    /** RUNNING_XACTS' nextXid: no transaction with this xid or above had started when it was written. */
    public Optional<Long> nextXid() {
        String label = "RUNNING_XACTS nextXid ";
        if (!rmgr.equals("Standby") || !desc.startsWith(label)) {
            return Optional.empty();
        }
        int end = desc.indexOf(' ', label.length());
        return Optional.of(Long.parseLong(desc.substring(label.length(), end < 0 ? desc.length() : end)));
    }

    private String section(String label) {
        int at = desc.indexOf(label);
        if (at < 0) {
            return "";
        }
        int end = desc.indexOf(';', at);
        return desc.substring(at + label.length(), end < 0 ? desc.length() : end).trim();
    }

    private static List<Long> numbers(String text) {
        List<Long> out = new ArrayList<>();
        for (String s : text.split(" ")) {
            if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
                out.add(Long.parseLong(s));
            }
        }
        return out;
    }
}
