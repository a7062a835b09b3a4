package dev.pitr.safety;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pitr.core.Json;
import dev.pitr.repo.Repository;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Who did what, where, and how it ended: one object per record under audit/ in the repository (append-only
 * by construction: records are created with put-if-absent and never rewritten) and a line in a local file.
 * Secrets are redacted before anything is written.
 */
public final class AuditLog {
    public static final String PREFIX = "audit/";
    private static final DateTimeFormatter KEY_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final List<Pattern> SECRETS = List.of(
            Pattern.compile("(?i)(password\\s*=\\s*)('[^']*'|\\S+)"),
            Pattern.compile("(?i)(://[^:/@\\s]+:)([^@\\s]+)(@)"),
            Pattern.compile("(?i)((?:AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|PGPASSWORD|aws\\.secretAccessKey)\\s*[=:]\\s*)(\\S+)"));

    public record Record(@JsonProperty("at") Instant at,
                         @JsonProperty("os_user") String osUser,
                         @JsonProperty("sudo_user") String sudoUser,
                         @JsonProperty("host") String host,
                         @JsonProperty("command") String command,
                         @JsonProperty("args") List<String> args,
                         @JsonProperty("cluster") String cluster,
                         @JsonProperty("environment") String environment,
                         @JsonProperty("exit_code") int exitCode,
                         @JsonProperty("outcome") String outcome) {
    }

    private final Optional<Repository> repo;
    private final Path localFile;

    public AuditLog(Optional<Repository> repo, Path localFile) {
        this.repo = repo;
        this.localFile = localFile;
    }

    /** The directory every user of a host shares (root and the server user: the package makes it, group postgres). */
    public static final Path SHARED_DIR = Path.of("/var/log/pitr");

    /**
     * The local audit file: PITR_AUDIT_LOG; else {@link #SHARED_DIR}/audit.jsonl when this user may write there, so
     * what root and the server user did is in one place; else ~/.local/state/pitr/audit.jsonl.
     */
    public static Path defaultLocalFile(Map<String, String> env) {
        return defaultLocalFile(env, SHARED_DIR);
    }

    static Path defaultLocalFile(Map<String, String> env, Path sharedDir) {
        if (env.containsKey("PITR_AUDIT_LOG")) {
            return Path.of(env.get("PITR_AUDIT_LOG"));
        }
        Path shared = sharedDir.resolve("audit.jsonl");
        if (Files.isDirectory(sharedDir) && (Files.exists(shared) ? Files.isWritable(shared) : Files.isWritable(sharedDir))) {
            return shared;
        }
        return Path.of(System.getProperty("user.home"), ".local", "state", "pitr", "audit.jsonl");
    }

    public static String redact(String text) {
        String out = text;
        for (Pattern p : SECRETS) {
            out = p.matcher(out).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(m.group(1) + "[REDACTED]"
                    + (m.groupCount() >= 3 && m.group(3) != null ? m.group(3) : "")));
        }
        return out;
    }

    public static Record record(List<String> args, String cluster, String environment, Map<String, String> env,
                                int exitCode, String outcome) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown";
        }
        List<String> given = args.stream().map(AuditLog::redact).toList();
        return new Record(Instant.now(), System.getProperty("user.name"), env.getOrDefault("SUDO_USER", ""), host,
                "pitr " + String.join(" ", given.stream().map(AuditLog::shellQuoted).toList()), given, cluster,
                environment, exitCode, redact(outcome));
    }

    /** An argument as a shell would need it to mean the same word (the record's args keep it exactly). */
    static String shellQuoted(String arg) {
        return !arg.isEmpty() && arg.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_./:=,@%+".indexOf(c) >= 0)
                ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }

    /** Writes the record locally and (when a repository is reachable) as a new object; never fails the command. */
    public List<String> write(Record r) {
        List<String> problems = new ArrayList<>();
        try {
            byte[] json = Json.mapper().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsBytes(r);
            try {
                Files.createDirectories(localFile.toAbsolutePath().getParent());
                if (!Files.exists(localFile) && localFile.toAbsolutePath().getParent().equals(SHARED_DIR)) {
                    // shared: the group (the server user's, from the directory) appends too
                    Files.createFile(localFile); // then the mode: a create's mode passes through the umask
                    Files.setPosixFilePermissions(localFile, PosixFilePermissions.fromString("rw-rw----"));
                }
                Files.write(localFile, (new String(json, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8),
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            } catch (IOException e) {
                problems.add("local audit log " + localFile + ": " + e.getMessage());
            }
            if (repo.isPresent()) {
                try {
                    repo.get().putIfAbsent(PREFIX + KEY_TIME.format(r.at()) + "-" + UUID.randomUUID() + ".json", json);
                } catch (RuntimeException e) {
                    problems.add("repository audit record: " + e.getMessage());
                }
            }
        } catch (IOException e) {
            problems.add("audit record: " + e.getMessage());
        }
        return problems;
    }

    public List<Record> list() {
        List<Record> out = new ArrayList<>();
        repo.ifPresent(r -> r.list(PREFIX).forEach(o -> r.getBytes(o.key()).ifPresent(b -> {
            try {
                out.add(Json.mapper().readValue(b, Record.class));
            } catch (IOException e) {
                // a record that does not parse is skipped; the objects are never rewritten
            }
        })));
        return out;
    }
}
