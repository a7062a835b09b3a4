package dev.pitr.salvage;

import dev.pitr.safety.AuditLog;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.target.sql.DestructiveStatement.QualifiedName;
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
    /** {@code withDependants}: recreate the views and foreign keys that depended on the table and are gone live. */
    public record Request(String fromConninfo, String intoConninfo, QualifiedName table, Optional<String> newName,
                          boolean originalName, boolean withDependants) {
        public Request(String fromConninfo, String intoConninfo, QualifiedName table, Optional<String> newName,
                       boolean originalName) {
            this(fromConninfo, intoConninfo, table, newName, originalName, false);
        }
    }

    /** {@code dependants}: what depended on the table in the copy and is missing live (recreated or not). */
    public record Result(String sourceTable, String targetTable, long sourceRows, long targetRows, String liveIdentity,
                         List<String> dependants, boolean dependantsRecreated) {
    }

    /** A view or a foreign key of another table that needs the table, with the statement that makes it. */
    record Dependant(String what, String sql, String existsQuery) {
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
        List<String> dependants = List.of();
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
            List<Dependant> missing = missingDependants(r, source);
            if (r.withDependants() && !missing.isEmpty()) {
                if (!target.equals(source)) {
                    throw PitrException.usage("--with-dependants recreates views and foreign keys that name " + source
                            + ": restore it under its own name (--original-name)");
                }
                Files.writeString(dump, "\n-- pitr: dependants of " + source + " missing in the live database\n"
                        + missing.stream().map(Dependant::sql).collect(java.util.stream.Collectors.joining("\n")) + "\n",
                        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            }
            dependants = missing.stream().map(Dependant::what).toList();
            progress.accept("salvage: applying the dump of " + source + " as " + target + " in one transaction"
                    + (r.withDependants() && !missing.isEmpty() ? ", with " + dependants : ""));
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
        return new Result(source, target, sourceRows, targetRows, liveIdentity(r.intoConninfo()), dependants,
                r.withDependants() && !dependants.isEmpty());
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

    /**
     * Views (and materialized views) built on the table and foreign keys of other tables pointing at it, as the
     * copy has them, that the live database lacks: a DROP ... CASCADE took them along.
     */
    private List<Dependant> missingDependants(Request r, String source) {
        List<Dependant> all = new java.util.ArrayList<>();
        String rel = literal(source) + "::regclass";
        for (String row : psqlRows(r.fromConninfo(), "SELECT DISTINCT v.oid::regclass::text || '|' || v.relkind::text || '|'"
                + " || replace(pg_get_viewdef(v.oid), E'\\n', ' ') FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid"
                + " JOIN pg_class v ON v.oid = w.ev_class WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = "
                + rel + " AND v.oid <> " + rel)) {
            String[] f = row.split("\\|", 3);
            String def = f[2].strip().replaceAll(";$", "");
            all.add(new Dependant((f[1].equals("m") ? "materialized view " : "view ") + f[0], "CREATE "
                    + (f[1].equals("m") ? "MATERIALIZED VIEW " : "VIEW ") + f[0] + " AS " + def + ";",
                    "SELECT to_regclass(" + literal(f[0]) + ") IS NOT NULL"));
        }
        for (String row : psqlRows(r.fromConninfo(), "SELECT conrelid::regclass::text || '|' || quote_ident(conname)"
                + " || '|' || pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' AND confrelid = " + rel
                + " AND conrelid <> confrelid")) {
            String[] f = row.split("\\|", 3);
            all.add(new Dependant("foreign key " + f[1] + " of " + f[0], "ALTER TABLE " + f[0] + " ADD CONSTRAINT " + f[1]
                    + " " + f[2] + ";", "SELECT to_regclass(" + literal(f[0]) + ") IS NULL OR EXISTS (SELECT 1 FROM"
                    + " pg_constraint WHERE conrelid = to_regclass(" + literal(f[0]) + ") AND quote_ident(conname) = "
                    + literal(f[1]) + ")"));
        }
        return all.stream().filter(d -> !"t".equals(psql(r.intoConninfo(), d.existsQuery()))).toList();
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

    /** Rows of {@code sql}, with an empty search_path: every name comes back schema-qualified, as pg_dump writes. */
    private List<String> psqlRows(String conninfo, String sql) {
        return rows(conninfo, "SET search_path = ''", sql, Duration.ofMinutes(5));
    }

    /** The last row's first column (a lock held on the table gives up after 5 s instead of waiting). */
    private String psql(String conninfo, String sql) {
        List<String> lines = rows(conninfo, "SET lock_timeout = '5s'", sql, Duration.ofMinutes(30));
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private List<String> rows(String conninfo, String setting, String sql, Duration timeout) {
        ProcessRunner.Result r = ProcessRunner.run(List.of(bins.tool("psql").toString(), "-X", "-At",
                "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", setting, "-c", sql), Map.of(), timeout);
        if (!r.ok()) {
            throw new PitrException(ExitCode.IO_FAILURE, "query on " + redactConninfo(conninfo) + " failed: "
                    + firstLine(r.stderr()));
        }
        return r.stdout().lines().map(String::strip).filter(l -> !l.isEmpty() && !l.equals("SET")).toList();
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
        return AuditLog.redact(conninfo);
    }
}
