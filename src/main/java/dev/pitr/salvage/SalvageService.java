package dev.pitr.salvage;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.logscan.DestructiveStatement.QualifiedName;
import dev.pitr.pg.PgBinaries;
import dev.pitr.pg.ProcessRunner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Copies one table (definition, data, indexes, constraints, owned sequences and their values, owner, GRANTs,
 * comments, policies) from a restored copy into the live database
 * without touching anything else there: pg_dump -t from the copy, applied with psql in one transaction,
 * under a new name unless the original name is free and asked for. Later writes in the live database stay.
 */
public final class SalvageService {
    /** A libpq connection string (any form psql -d accepts). */
    public record Request(String fromConninfo, String intoConninfo, QualifiedName table, Optional<String> newName,
                          boolean originalName) {
    }

    public record Result(String sourceTable, String targetTable, long sourceRows, long targetRows, String liveIdentity) {
    }

    private final PgBinaries bins;
    private final Consumer<String> progress;

    public SalvageService(PgBinaries bins, Consumer<String> progress) {
        this.bins = bins;
        this.progress = progress;
    }

    /** The live database's identity, printed before anything is changed. */
    public String liveIdentity(String into) {
        return psql(into, "SELECT current_database() || ' on ' || coalesce(host(inet_server_addr()), 'local socket') || ':'"
                + " || coalesce(inet_server_port()::text, '') || ', system identifier ' || system_identifier"
                + " FROM pg_control_system()");
    }

    public Result salvage(Request r) {
        String schema = Optional.ofNullable(r.table().schema()).orElse("public");
        String source = ident(schema) + "." + ident(r.table().name());
        if (!"t".equals(psql(r.fromConninfo(), "SELECT to_regclass(" + literal(source) + ") IS NOT NULL"))) {
            throw PitrException.usage("table " + source + " does not exist in the restored copy: check --table and"
                    + " that the copy stopped before the table was dropped");
        }
        String targetName = r.originalName() ? r.table().name() : r.newName().orElse(r.table().name() + "_restored_"
                + DateTimeFormatter.ofPattern("yyyyMMddHHmmss").format(LocalDateTime.now()));
        String target = ident(schema) + "." + ident(targetName);
        if (!"f".equals(psql(r.intoConninfo(), "SELECT to_regclass(" + literal(target) + ") IS NOT NULL"))) {
            throw PitrException.refused("table " + target + " already exists in the live database: salvage never"
                    + " overwrites; pass --as NEW_NAME");
        }
        long sourceRows = Long.parseLong(psql(r.fromConninfo(), "SELECT count(*) FROM " + source));
        Path dump = null;
        try {
            dump = Files.createTempFile("pitr-salvage-", ".sql");
            ProcessRunner.Result d = ProcessRunner.run(List.of(bins.tool("pg_dump").toString(), "-d", r.fromConninfo(),
                    "-t", source, "--lock-wait-timeout=5000", "-f", dump.toString()),
                    Map.of(), Duration.ofHours(6));
            if (!d.ok()) {
                throw new PitrException(ExitCode.IO_FAILURE, "pg_dump of " + source + " from the restored copy failed: "
                        + firstLine(d.stderr()) + (d.stderr().contains("lock") ? " (promote the copy to release"
                        + " the replayed transaction's locks)" : ""));
            }
            if (!target.equals(source)) {
                rename(dump, ident(schema), r.table().name(), targetName,
                        companions(r.fromConninfo(), source, r.table().name(), targetName));
            }
            progress.accept("salvage: applying the dump of " + source + " as " + target + " in one transaction");
            ProcessRunner.Result a = ProcessRunner.run(List.of(bins.tool("psql").toString(), "-X", "-q",
                    "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", r.intoConninfo(), "-f", dump.toString()),
                    Map.of(), Duration.ofHours(6));
            if (!a.ok()) {
                throw new PitrException(ExitCode.IO_FAILURE, "applying the table to the live database failed and was"
                        + " rolled back (nothing changed): " + firstLine(a.stderr()));
            }
        } catch (IOException e) {
            throw PitrException.io("cannot stage the dump: " + e.getMessage(), e);
        } finally {
            if (dump != null) {
                try {
                    Files.deleteIfExists(dump);
                } catch (IOException ignored) {
                    // a temp file
                }
            }
        }
        long targetRows = Long.parseLong(psql(r.intoConninfo(), "SELECT count(*) FROM " + target));
        return new Result(source, target, sourceRows, targetRows, liveIdentity(r.intoConninfo()));
    }

    /**
     * Everything of the table whose name is unique in its schema (owned sequences, indexes and the constraints
     * they back), with the name it gets beside the new table: {@code orders_pkey} becomes {@code NEW_pkey}.
     */
    Map<String, String> companions(String conninfo, String source, String oldTable, String newTable) {
        Map<String, String> names = new java.util.LinkedHashMap<>();
        String rel = literal(source) + "::regclass";
        for (String n : psqlRows(conninfo, "SELECT s.relname FROM pg_depend d JOIN pg_class s ON s.oid = d.objid"
                + " WHERE d.classid = 'pg_class'::regclass AND d.refobjid = " + rel + " AND s.relkind = 'S'"
                + " AND d.deptype IN ('a', 'i') UNION SELECT c.relname FROM pg_index i JOIN pg_class c ON"
                + " c.oid = i.indexrelid WHERE i.indrelid = " + rel + " UNION SELECT conname FROM pg_constraint"
                + " WHERE conrelid = " + rel + " ORDER BY 1")) {
            names.put(n, companionName(n, oldTable, newTable));
        }
        return names;
    }

    static String companionName(String name, String oldTable, String newTable) {
        String renamed = name.startsWith(oldTable) ? newTable + name.substring(oldTable.length()) : newTable + "_" + name;
        byte[] utf8 = renamed.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= 63) {
            return renamed;
        }
        String suffix = "_" + Integer.toHexString(renamed.hashCode()); // NAMEDATALEN: keep it unique when cut
        return new String(java.util.Arrays.copyOf(utf8, 63 - suffix.length()), StandardCharsets.UTF_8)
                .replace("\uFFFD", "") + suffix;
    }

    /**
     * Points the dump's statements at the new names. Only statement lines change: the rows of a COPY block (from
     * its {@code COPY ... FROM stdin;} line to {@code \.}) are data and stay byte for byte. The table is renamed
     * where the dump names it schema-qualified (pg_dump always does, with an empty search_path); its companions
     * qualified and bare (an index or constraint is named bare where it is created).
     */
    static void rename(Path dump, String schema, String oldTable, String newTable, Map<String, String> companions)
            throws IOException {
        List<Pattern> from = new java.util.ArrayList<>();
        List<String> to = new java.util.ArrayList<>();
        from.add(Pattern.compile("(?<![\\w\"$])" + Pattern.quote(schema + "." + ident(oldTable)) + "(?![\\w\"$])"));
        to.add(schema + "." + ident(newTable));
        companions.forEach((old, renamed) -> {
            from.add(Pattern.compile("(?<![\\w\"$.])(" + Pattern.quote(schema) + "\\.)?" + Pattern.quote(ident(old))
                    + "(?![\\w\"$])"));
            to.add("$1" + Matcher.quoteReplacement(ident(renamed)));
        });
        List<String> lines = Files.readAllLines(dump, StandardCharsets.UTF_8);
        List<String> out = new java.util.ArrayList<>(lines.size());
        boolean inData = false;
        for (String line : lines) {
            if (inData) {
                inData = !line.equals("\\.");
                out.add(line);
                continue;
            }
            String l = line;
            for (int i = 0; i < from.size(); i++) {
                l = from.get(i).matcher(l).replaceAll(i == 0 ? Matcher.quoteReplacement(to.get(i)) : to.get(i));
            }
            inData = line.startsWith("COPY ") && line.endsWith(" FROM stdin;");
            out.add(l);
        }
        Files.write(dump, out, StandardCharsets.UTF_8);
    }

    private List<String> psqlRows(String conninfo, String sql) {
        ProcessRunner.Result r = ProcessRunner.run(List.of(bins.tool("psql").toString(), "-X", "-At",
                "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql), Map.of(), Duration.ofMinutes(5));
        if (!r.ok()) {
            throw new PitrException(ExitCode.IO_FAILURE, "query on " + redactConninfo(conninfo) + " failed: "
                    + firstLine(r.stderr()));
        }
        return r.stdout().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private String psql(String conninfo, String sql) {
        ProcessRunner.Result r = ProcessRunner.run(List.of(bins.tool("psql").toString(), "-X", "-At",
                "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", "SET lock_timeout = '5s'", "-c", sql), Map.of(),
                Duration.ofMinutes(30));
        if (!r.ok()) {
            throw new PitrException(ExitCode.IO_FAILURE, "query on " + redactConninfo(conninfo) + " failed: "
                    + firstLine(r.stderr()));
        }
        List<String> lines = r.stdout().lines().filter(l -> !l.equals("SET")).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1).trim();
    }

    /** A name as pg_dump prints it: quoted only when it has to be. */
    static String ident(String name) {
        return name.matches("[a-z_][a-z0-9_$]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private static String firstLine(String s) {
        return s.strip().lines().findFirst().orElse("");
    }

    static String redactConninfo(String conninfo) {
        return dev.pitr.safety.AuditLog.redact(conninfo);
    }
}
