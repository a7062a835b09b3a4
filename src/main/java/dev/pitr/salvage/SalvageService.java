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
 * Copies one table (definition, data, indexes, constraints) from a restored copy into the live database
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
                    "-t", source, "--no-owner", "--no-privileges", "--lock-wait-timeout=5000", "-f", dump.toString()),
                    Map.of(), Duration.ofHours(6));
            if (!d.ok()) {
                throw new PitrException(ExitCode.IO_FAILURE, "pg_dump of " + source + " from the restored copy failed: "
                        + firstLine(d.stderr()) + (d.stderr().contains("lock") ? " (promote the copy to release"
                        + " the replayed transaction's locks)" : ""));
            }
            if (!target.equals(source)) {
                rename(dump, source, target);
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

    /** Points the dump's statements at the new name: the schema-qualified name as pg_dump writes it, whole token only. */
    static void rename(Path dump, String source, String target) throws IOException {
        Pattern p = Pattern.compile("(?<![\\w\"])" + Pattern.quote(source) + "(?![\\w\"])");
        String sql = Files.readString(dump, StandardCharsets.UTF_8);
        Files.writeString(dump, p.matcher(sql).replaceAll(Matcher.quoteReplacement(target)), StandardCharsets.UTF_8);
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
