package dev.pitr.restore;

import dev.pitr.core.AtomicFiles;
import dev.pitr.core.PitrException;
import dev.pitr.pg.ProcessRunner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * pitr's block in the restored copy's postgresql.auto.conf: the one place recovery settings are rendered,
 * read back and replaced. The backup's own settings around it are kept as they are.
 */
public record RecoveryConf(String comment, Map<String, String> settings) {
    static final String BEGIN = "# --- pitr restore: begin ---";
    static final String END = "# --- pitr restore: end ---";

    public RecoveryConf {
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    public RecoveryConf with(String key, String value) {
        Map<String, String> s = new LinkedHashMap<>(settings);
        s.put(key, value);
        return new RecoveryConf(comment, s);
    }

    public RecoveryConf without(Predicate<String> key) {
        Map<String, String> s = new LinkedHashMap<>(settings);
        s.keySet().removeIf(key);
        return new RecoveryConf(comment, s);
    }

    String render() {
        StringBuilder conf = new StringBuilder(BEGIN).append('\n');
        comment.lines().forEach(l -> conf.append("# ").append(l).append('\n'));
        settings.forEach((k, v) -> conf.append(k).append(" = '").append(v.replace("'", "''")).append("'\n"));
        return conf.append(END).append('\n').toString();
    }

    /** {@code existing} with pitr's block (if any) replaced by this one. */
    String replaceIn(String existing) {
        return withoutBlock(existing) + render();
    }

    private static String withoutBlock(String existing) {
        int begin = existing.indexOf(BEGIN);
        if (begin < 0) {
            return existing;
        }
        int end = existing.indexOf(END, begin);
        int after = end < 0 ? existing.length() : Math.min(existing.length(), end + END.length() + 1);
        return existing.substring(0, begin) + existing.substring(after);
    }

    /** pitr's block as written into {@code pgdata}, if there is one. */
    public static Optional<RecoveryConf> readFrom(Path pgdata) {
        String text = read(pgdata);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END, Math.max(begin, 0));
        if (begin < 0 || end < 0) {
            return Optional.empty();
        }
        StringBuilder comment = new StringBuilder();
        Map<String, String> settings = new LinkedHashMap<>();
        for (String line : text.substring(begin + BEGIN.length(), end).split("\n")) {
            if (line.startsWith("# ")) {
                comment.append(comment.length() == 0 ? "" : "\n").append(line.substring(2));
            } else if (line.contains(" = '") && line.endsWith("'")) {
                int eq = line.indexOf(" = '");
                settings.put(line.substring(0, eq), line.substring(eq + 4, line.length() - 1).replace("''", "'"));
            }
        }
        return Optional.of(new RecoveryConf(comment.toString(), settings));
    }

    /** Writes the block into {@code pgdata}'s postgresql.auto.conf (temp, fsync, rename) for the server user. */
    void writeTo(Path pgdata) {
        Path auto = pgdata.resolve("postgresql.auto.conf");
        try {
            AtomicFiles.write(auto, replaceIn(read(pgdata)).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw PitrException.io("cannot write the recovery settings into " + auto + ": " + e.getMessage(), e);
        }
        ProcessRunner.giveToServerUser(pgdata);
    }

    private static String read(Path pgdata) {
        Path auto = pgdata.resolve("postgresql.auto.conf");
        try {
            return Files.exists(auto) ? Files.readString(auto) : "";
        } catch (IOException e) {
            throw PitrException.io("cannot read " + auto + ": " + e.getMessage(), e);
        }
    }
}
