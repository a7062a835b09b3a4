package dev.pitr.target.log;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The translations of the few server messages a log scan reads ({@code statement: %s}, severities, ...),
 * taken from PostgreSQL's own gettext catalogs ({@code postgres-15.mo}) rather than typed by hand. The build
 * turns the installed catalogs into a resource ({@link #main}); at run time that resource is read, and
 * catalogs found on this machine are added to it.
 */
public final class MessageCatalog {
    /** The message ids that matter for finding statements; everything else in the catalogs is ignored. */
    static final Set<String> MSGIDS = Set.of("statement: %s", "duration: %s ms", "duration: %s ms  statement: %s",
            "duration: %s ms  %s %s%s%s: %s", "execute", "execute fetch from", "parameter \"%s\" changed to \"%s\"",
            "DEBUG", "LOG", "INFO", "NOTICE", "WARNING", "ERROR", "FATAL", "PANIC",
            "STATEMENT:  ", "DETAIL:  ", "HINT:  ", "QUERY:  ", "CONTEXT:  ", "LOCATION:  ");
    static final String RESOURCE = "postgres-messages.tsv";

    private MessageCatalog() {
    }

    /** language -> (msgid -> msgstr), for the message ids above; English is implied and not listed. */
    public static Map<String, Map<String, String>> load() {
        Map<String, Map<String, String>> out = new TreeMap<>();
        try (InputStream in = MessageCatalog.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    String[] f = line.split("\t", -1);
                    if (f.length == 3) {
                        out.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).put(unescape(f[1]), unescape(f[2]));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (out.isEmpty()) { // a build without catalogs: read the ones installed here, if any
            for (Path dir : List.of(Path.of("/usr/share/locale"), Path.of("/usr/local/share/locale"))) {
                fromInstalled(dir).forEach(out::putIfAbsent);
            }
        }
        return out;
    }

    /** Every {@code postgres-NN.mo} under a locale tree ({@code LANG/LC_MESSAGES/postgres-15.mo}). */
    static Map<String, Map<String, String>> fromInstalled(Path localeDir) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        if (!Files.isDirectory(localeDir)) {
            return out;
        }
        try (Stream<Path> langs = Files.list(localeDir)) {
            for (Path lang : langs.sorted().toList()) {
                Path messages = lang.resolve("LC_MESSAGES");
                if (!Files.isDirectory(messages)) {
                    continue;
                }
                try (Stream<Path> mos = Files.list(messages)) {
                    for (Path mo : mos.filter(p -> p.getFileName().toString().matches("postgres-\\d+\\.mo")).sorted().toList()) {
                        Map<String, String> wanted = new LinkedHashMap<>();
                        parseMo(Files.readAllBytes(mo)).forEach((id, str) -> {
                            if (MSGIDS.contains(id) && !str.isEmpty()) {
                                wanted.put(id, str);
                            }
                        });
                        if (!wanted.isEmpty()) {
                            out.computeIfAbsent(lang.getFileName().toString(), k -> new LinkedHashMap<>()).putAll(wanted);
                        }
                    }
                }
            }
        } catch (IOException e) {
            return out; // a locale tree we cannot read adds nothing; the bundled catalogs still apply
        }
        return out;
    }

    /** GNU gettext's binary format: a header, then tables of (length, offset) for originals and translations. */
    static Map<String, String> parseMo(byte[] data) {
        Map<String, String> out = new LinkedHashMap<>();
        if (data.length < 28) {
            return out;
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0x950412de) {
            b.order(ByteOrder.BIG_ENDIAN);
            if (b.getInt(0) != 0x950412de) {
                return out;
            }
        }
        int n = b.getInt(8);
        int originals = b.getInt(12);
        int translations = b.getInt(16);
        for (int i = 0; i < n; i++) {
            String id = string(b, data, originals + 8 * i);
            String str = string(b, data, translations + 8 * i);
            if (id != null && str != null && !id.isEmpty()) {
                out.put(id, str.split("\0", -1)[0]); // plural forms: the first is enough for these ids
            }
        }
        return out;
    }

    private static String string(ByteBuffer b, byte[] data, int entry) {
        if (entry < 0 || entry + 8 > data.length) {
            return null;
        }
        int len = b.getInt(entry);
        int off = b.getInt(entry + 4);
        if (len < 0 || off < 0 || off + (long) len > data.length) {
            return null;
        }
        return new String(data, off, len, StandardCharsets.UTF_8);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(n == 't' ? '\t' : n == 'n' ? '\n' : n);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Build step: {@code MessageCatalog LOCALE_DIR OUT_FILE} writes the resource from the installed catalogs. */
    public static void main(String[] args) throws IOException {
        Map<String, Map<String, String>> all = fromInstalled(Path.of(args[0]));
        List<String> lines = new ArrayList<>();
        all.forEach((lang, msgs) -> new TreeMap<>(msgs).forEach((id, str) ->
                lines.add(lang + "\t" + escape(id) + "\t" + escape(str))));
        Path out = Path.of(args[1]);
        Files.createDirectories(out.getParent());
        Files.write(out, lines, StandardCharsets.UTF_8);
        System.out.println("message catalogs: " + all.size() + " languages from " + args[0] + " -> " + out);
    }
}
