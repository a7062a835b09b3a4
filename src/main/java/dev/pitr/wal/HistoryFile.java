package dev.pitr.wal;

import dev.pitr.core.PitrException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A timeline history file ({@code 00000003.history}) as PostgreSQL writes it at promotion: one line per
 * ancestor, {@code parentTLI <tab> switchpoint <tab> reason}. Read strictly: a restore follows it blindly, so
 * garbage or another cluster's history must be refused before it reaches the repository.
 */
public record HistoryFile(int timeline, List<Entry> entries) {
    /** One ancestor: the timeline, and where this history left it. */
    public record Entry(int parent, Lsn switchPoint) {
    }

    private static final Pattern LINE = Pattern.compile("^(\\d+)\\s+([0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8})(?:\\s.*)?$");

    public static HistoryFile parse(int timeline, byte[] content, String what) {
        String text = new String(content, StandardCharsets.UTF_8);
        List<Entry> entries = new ArrayList<>();
        int lineNo = 0;
        for (String raw : text.split("\n", -1)) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw PitrException.usage(what + " line " + lineNo + " is not 'timeline switchpoint reason': '"
                        + (line.length() > 60 ? line.substring(0, 60) + "..." : line) + "'; not a timeline history file");
            }
            int parent;
            try {
                parent = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                throw PitrException.usage(what + " line " + lineNo + ": timeline " + m.group(1) + " is out of range");
            }
            Lsn at = Lsn.parse(m.group(2));
            if (!entries.isEmpty() && (parent <= entries.get(entries.size() - 1).parent()
                    || at.value() < entries.get(entries.size() - 1).switchPoint().value())) {
                throw PitrException.usage(what + " line " + lineNo + ": timelines and switch points must increase");
            }
            if (parent >= timeline || parent < 1) {
                throw PitrException.usage(what + " line " + lineNo + ": timeline " + parent + " cannot be an ancestor of "
                        + timeline);
            }
            entries.add(new Entry(parent, at));
        }
        if (entries.isEmpty()) {
            throw PitrException.usage(what + " names no parent timeline; not a timeline history file");
        }
        return new HistoryFile(timeline, List.copyOf(entries));
    }

    public int parent() {
        return entries.get(entries.size() - 1).parent();
    }

    /** Whether this history continues {@code parentHistory}: the same ancestors, then one more. */
    public boolean continues(HistoryFile parentHistory) {
        return parentHistory.timeline() == parent() && entries.size() == parentHistory.entries().size() + 1
                && entries.subList(0, parentHistory.entries().size()).equals(parentHistory.entries());
    }
}
