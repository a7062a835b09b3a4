package dev.pitr.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pitr.core.PitrException;
import dev.pitr.repo.S3Settings;
import dev.pitr.repo.ServerSideEncryption;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Resolves {@link Settings}: finds pitr.yaml (--config, PITR_CONFIG, ./pitr.yaml, /etc/pitr/pitr.yaml), picks
 * the cluster (--cluster, PITR_CLUSTER, default-cluster, the only one), then layers env vars and flags on top.
 */
public final class SettingsResolver {
    /** Made only when a config file is read: the YAML mapper costs a run without one 30 ms of its start. */
    private static final class Yaml {
        static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }
    private static final ClusterConfig EMPTY = new ClusterConfig(null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null, null, null, null, null);

    /** Parallel uploads of the asynchronous archiver: enough to hide S3 latency without starving the primary. */
    public static final int DEFAULT_PROCESS_MAX = 4;

    /** What was given on the command line (absent when not given). */
    public record Flags(Optional<Path> config, Optional<String> cluster, Optional<String> repo) {
    }

    private final Map<String, String> env;
    private final Path workingDir;

    public SettingsResolver(Map<String, String> env, Path workingDir) {
        this.env = env;
        this.workingDir = workingDir;
    }

    public Settings resolve(Flags flags) {
        Optional<Path> configPath = findConfig(flags.config());
        ConfigFile file = configPath.map(SettingsResolver::load).orElse(new ConfigFile(null, Map.of()));
        Optional<String> clusterName = flags.cluster().or(() -> env("PITR_CLUSTER"))
                .or(() -> Optional.ofNullable(file.defaultCluster()))
                .or(() -> file.clustersOrEmpty().size() == 1
                        ? Optional.of(file.clustersOrEmpty().keySet().iterator().next()) : Optional.empty());
        ClusterConfig c = clusterName.map(name -> {
            ClusterConfig found = file.clustersOrEmpty().get(name);
            if (found == null && !file.clustersOrEmpty().isEmpty()) {
                throw PitrException.usage("cluster '" + name + "' is not in " + configPath.map(Path::toString)
                        .orElse("the config") + " (known: " + String.join(", ", file.clustersOrEmpty().keySet())
                        + ")");
            }
            return found == null ? EMPTY : found;
        }).orElse(EMPTY);
        ClusterConfig.S3Config s3 = c.s3() == null ? new ClusterConfig.S3Config(null, null, null, null, null, null, null) : c.s3();

        Optional<String> endpoint = env("PITR_S3_ENDPOINT").or(() -> Optional.ofNullable(s3.endpoint()));
        S3Settings s3Settings = new S3Settings(
                endpoint.map(e -> parseEndpoint(e)),
                env("PITR_S3_REGION").or(() -> Optional.ofNullable(s3.region())).orElse(S3Settings.DEFAULT_REGION),
                env("PITR_S3_PATH_STYLE").map(Boolean::parseBoolean).or(() -> Optional.ofNullable(s3.pathStyle()))
                        .orElse(endpoint.isPresent()),
                env("PITR_S3_MAX_ATTEMPTS").map(v -> parseInt("PITR_S3_MAX_ATTEMPTS", v))
                        .or(() -> Optional.ofNullable(s3.maxAttempts())).orElse(S3Settings.DEFAULT_MAX_ATTEMPTS),
                env("PITR_S3_TIMEOUT").map(v -> parseInt("PITR_S3_TIMEOUT", v))
                        .or(() -> Optional.ofNullable(s3.timeoutSeconds())).map(java.time.Duration::ofSeconds)
                        .orElse(S3Settings.DEFAULT_TIMEOUT),
                new ServerSideEncryption(pick("PITR_S3_SSE", s3.serverSideEncryption(), Function.identity()),
                        pick("PITR_S3_SSE_KMS_KEY_ID", s3.sseKmsKeyId(), Function.identity())));

        return new Settings(configPath, clusterName,
                pick("PITR_ENVIRONMENT", c.environment(), Function.identity()).orElse(Settings.UNLABELLED),
                flags.repo().or(() -> pick("PITR_REPO", c.repo(), Function.identity())),
                s3Settings,
                pick("PITR_PG_BIN", c.pgBin(), Path::of),
                pick("PITR_PGDATA", c.pgdata(), Path::of),
                pick("PITR_PGHOST", c.host(), Function.identity()).orElse("127.0.0.1"),
                env("PITR_PGPORT").map(v -> parseInt("PITR_PGPORT", v)).or(() -> Optional.ofNullable(c.port()))
                        .orElse(5432),
                pick("PITR_PGUSER", c.user(), Function.identity()).orElse("postgres"),
                pick("PITR_PGDATABASE", c.database(), Function.identity()),
                pick("PITR_LOG_DIRECTORY", c.logDirectory(), Path::of),
                pick("PITR_LOG_LINE_PREFIX", c.logLinePrefix(), Function.identity()),
                pick("PITR_LOG_TIMEZONE", c.logTimezone(), Function.identity()),
                env("PITR_COMPRESS_LEVEL").map(v -> parseInt("PITR_COMPRESS_LEVEL", v))
                        .or(() -> Optional.ofNullable(c.compressLevel())).orElse(3),
                pick("PITR_SPOOL", c.spool(), Path::of),
                env("PITR_ARCHIVE_ASYNC").map(Boolean::parseBoolean).or(() -> Optional.ofNullable(c.archiveAsync()))
                        .orElse(false),
                env("PITR_PROCESS_MAX").map(v -> parseInt("PITR_PROCESS_MAX", v))
                        .or(() -> Optional.ofNullable(c.processMax())).orElse(DEFAULT_PROCESS_MAX),
                env("PITR_ARCHIVE_QUEUE_MAX").map(v -> parseInt("PITR_ARCHIVE_QUEUE_MAX", v))
                        .or(() -> Optional.ofNullable(c.archiveQueueMax()))
                        .map(java.util.OptionalInt::of).orElse(java.util.OptionalInt.empty()),
                new Settings.Peers(pick("PITR_PGBACKREST_CONFIG", c.pgbackrestConfig(), Path::of)),
                encryptionKey(c, configPath));
    }

    /**
     * The repository key's source: the key itself in PITR_ENCRYPTION_KEY, else a file or a command (variables
     * before the file's keys); both a file and a command in one place is ambiguous and refused.
     */
    private Optional<KeySource> encryptionKey(ClusterConfig c, Optional<Path> configPath) {
        Optional<KeySource> inline = env("PITR_ENCRYPTION_KEY").map(v -> new KeySource.Variable("PITR_ENCRYPTION_KEY", v));
        if (inline.isPresent()) {
            return inline;
        }
        Optional<String> file = env("PITR_ENCRYPTION_KEY_FILE");
        Optional<String> command = env("PITR_ENCRYPTION_KEY_COMMAND");
        String where = "PITR_ENCRYPTION_KEY_FILE and PITR_ENCRYPTION_KEY_COMMAND";
        if (file.isEmpty() && command.isEmpty()) {
            file = Optional.ofNullable(c.encryptionKeyFile());
            command = Optional.ofNullable(c.encryptionKeyCommand());
            where = configPath.map(Path::toString).orElse("the configuration") + ": 'encryption-key-file' and 'encryption-key-command'";
        }
        if (file.isPresent() && command.isPresent()) {
            throw PitrException.usage(where + " are both set: keep one source for the repository key");
        }
        Optional<String> orCommand = command;
        return file.<KeySource>map(f -> new KeySource.File(workingDir.resolve(f)))
                .or(() -> orCommand.map(KeySource.Command::new));
    }

    private <T> Optional<T> pick(String envName, String fileValue, Function<String, T> convert) {
        return env(envName).or(() -> Optional.ofNullable(fileValue)).map(convert);
    }

    private Optional<String> env(String name) {
        return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
    }

    private Optional<Path> findConfig(Optional<Path> flag) {
        Optional<Path> explicit = flag.or(() -> env("PITR_CONFIG").map(Path::of));
        if (explicit.isPresent()) {
            Path p = workingDir.resolve(explicit.get());
            if (!Files.isRegularFile(p)) {
                throw PitrException.usage("config file " + p + " does not exist: fix --config/PITR_CONFIG");
            }
            return Optional.of(p);
        }
        for (Path candidate : new Path[]{workingDir.resolve("pitr.yaml"), Path.of("/etc/pitr/pitr.yaml")}) {
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static ConfigFile load(Path path) {
        try {
            ConfigFile f = Yaml.MAPPER.readValue(path.toFile(), ConfigFile.class);
            return f == null ? new ConfigFile(null, Map.of()) : f;
        } catch (UnrecognizedPropertyException e) {
            throw PitrException.usage(path + line(path, e) + ": unknown key '" + keyPath(e)
                    + "'" + closest(e.getPropertyName(), e.getKnownPropertyIds()).map(k -> ": did you mean '" + k + "'?")
                    .orElse("") + " (see README, Configuration)");
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            String expected = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m
                    && m.getTargetType() != null ? "must be " + describe(m.getTargetType()) : "has a value pitr cannot read";
            throw PitrException.usage(path + line(path, e) + ": '" + keyPath(e) + "' " + expected + " (see README, Configuration)");
        } catch (IOException e) {
            throw PitrException.usage(path + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /**
     * " line N" of the key that was wrong, found by following its keys down the file (the YAML mapper reads a
     * cluster's block ahead, so where it stood when it complained is not that key's line), or nothing.
     */
    private static String line(Path file, com.fasterxml.jackson.databind.JsonMappingException e) {
        try {
            List<String> lines = Files.readAllLines(file);
            int at = -1;
            for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : e.getPath()) {
                if (r.getFieldName() == null) {
                    return "";
                }
                int i = at + 1;
                while (i < lines.size() && !lines.get(i).strip().replace("\"", "").replace("'", "")
                        .startsWith(r.getFieldName() + ":")) {
                    i++;
                }
                if (i == lines.size()) {
                    return "";
                }
                at = i;
            }
            return at < 0 ? "" : " line " + (at + 1);
        } catch (IOException | RuntimeException unreadable) {
            return "";
        }
    }

    /** {@code clusters.shop.s3.endpoint}: the keys leading to what was wrong. */
    private static String keyPath(com.fasterxml.jackson.databind.JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(java.util.stream.Collectors.joining("."));
    }

    private static String describe(Class<?> type) {
        if (type == String.class) {
            return "text";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        return Map.class.isAssignableFrom(type) ? "a mapping of keys" : "a " + type.getSimpleName();
    }

    /** The known key nearest to a mistyped one (at most a third of its letters changed), if any. */
    static Optional<String> closest(String typed, java.util.Collection<Object> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Object k : known) {
            int d = distance(typed, k.toString());
            if (d < bestDistance) {
                best = k.toString();
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, typed.length() / 3) ? Optional.of(best) : Optional.empty();
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static URI parseEndpoint(String e) {
        try {
            URI uri = URI.create(e);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException ex) {
            throw PitrException.usage("S3 endpoint '" + e + "' is not a URL like http://127.0.0.1:9000");
        }
    }

    private static int parseInt(String what, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw PitrException.usage(what + "='" + v + "' is not a number");
        }
    }
}
