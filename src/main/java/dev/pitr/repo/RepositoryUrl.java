package dev.pitr.repo;

import dev.pitr.core.PitrException;

import java.nio.file.Path;

/** A parsed repository location: {@code s3://bucket/prefix} or {@code file:///absolute/path}. */
public sealed interface RepositoryUrl {
    String HINT = " (expected s3://BUCKET[/PREFIX] or file:///ABSOLUTE/PATH; pgbackrest://STANZA reads pgBackRest's)";

    record S3(String bucket, String prefix) implements RepositoryUrl {
        @Override
        public String toString() {
            return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
        }
    }

    record File(Path root) implements RepositoryUrl {
        @Override
        public String toString() {
            return "file://" + root;
        }
    }

    static RepositoryUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw PitrException.usage("no repository given: pass --repo, set PITR_REPO or 'repo:' in pitr.yaml" + HINT);
        }
        String u = url.trim();
        if (u.startsWith("s3://")) {
            String rest = u.substring("s3://".length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : trimSlashes(rest.substring(slash + 1));
            if (!bucket.matches("[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]")) {
                throw PitrException.usage("repository URL '" + url + "': '" + bucket
                        + "' is not a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)");
            }
            if (prefix.contains("//") || prefix.contains("..")) {
                throw PitrException.usage("repository URL '" + url + "': the prefix must not contain '//' or '..'");
            }
            return new S3(bucket, prefix);
        }
        if (u.startsWith("file://")) {
            String path = u.substring("file://".length());
            if (!path.startsWith("/")) {
                throw PitrException.usage("repository URL '" + url + "': a file URL needs an absolute path" + HINT);
            }
            return new File(Path.of(path).normalize());
        }
        throw PitrException.usage("repository URL '" + url + "' has an unknown scheme" + HINT);
    }

    private static String trimSlashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '/') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(start, end);
    }
}
