package dev.pitr.pg;

import dev.pitr.core.PitrException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Where PostgreSQL's programs are, and which major version they are. */
public record PgBinaries(Path binDir, int major) {
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)");
    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

    /** Finds the binaries: the configured directory, else Debian's newest /usr/lib/postgresql/N/bin, else PATH. */
    public static PgBinaries locate(Optional<Path> configured) {
        Path dir = configured.orElseGet(PgBinaries::defaultBinDir);
        Path postgres = dir.resolve("postgres");
        if (!Files.isExecutable(postgres)) {
            throw PitrException.usage("PostgreSQL binaries not found in " + dir + " (no executable 'postgres'):"
                    + " run scripts/setup.sh to install postgresql-15, or set pg-bin in pitr.yaml / PITR_PG_BIN");
        }
        ProcessRunner.Result r = ProcessRunner.run(List.of(postgres.toString(), "--version"), Map.of(),
                Duration.ofSeconds(30));
        Matcher m = VERSION.matcher(r.stdout());
        if (!m.find()) {
            throw PitrException.usage("cannot tell the PostgreSQL version of " + postgres + ": " + r.stdout().strip());
        }
        return new PgBinaries(dir, Integer.parseInt(m.group(1)));
    }

    private static Path defaultBinDir() {
        if (Files.isDirectory(DEBIAN_ROOT)) {
            try (Stream<Path> versions = Files.list(DEBIAN_ROOT)) {
                Optional<Path> newest = versions.filter(p -> p.getFileName().toString().matches("\\d+"))
                        .filter(p -> Files.isExecutable(p.resolve("bin/postgres")))
                        .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString())));
                if (newest.isPresent()) {
                    return newest.get().resolve("bin");
                }
            } catch (IOException ignored) {
                // fall back to PATH
            }
        }
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, "postgres"))) {
                return Path.of(entry).toAbsolutePath();
            }
        }
        return DEBIAN_ROOT.resolve("15/bin");
    }

    /** The full path of one program, e.g. {@code tool("pg_waldump")}; fails naming the missing program. */
    public Path tool(String name) {
        Path p = binDir.resolve(name);
        if (!Files.isExecutable(p)) {
            throw PitrException.usage(name + " not found in " + binDir + ": install the PostgreSQL " + major
                    + " server package (scripts/setup.sh) or set pg-bin");
        }
        return p;
    }
}
