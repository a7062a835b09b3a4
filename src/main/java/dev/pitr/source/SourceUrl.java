package dev.pitr.source;

import dev.pitr.core.PitrException;

import java.util.Arrays;
import java.util.Optional;

/**
 * A repository location by the tool that owns it: {@code pgbackrest://STANZA} (pgBackRest's own configuration
 * says where and how), {@code barman-cloud+s3://BUCKET/PREFIX/SERVER} (what Barman's cloud tools were given), or
 * anything else, pitr's own ({@code s3://}, {@code file://}).
 */
public sealed interface SourceUrl {
    String PGBACKREST = "pgbackrest://";
    String BARMAN_CLOUD_S3 = "barman-cloud+s3://";

    SourceKind kind();

    record Pitr(String url) implements SourceUrl {
        @Override
        public SourceKind kind() {
            return SourceKind.PITR;
        }
    }

    record PgBackRest(String stanza) implements SourceUrl {
        @Override
        public SourceKind kind() {
            return SourceKind.PGBACKREST;
        }

        @Override
        public String toString() {
            return PGBACKREST + stanza;
        }
    }

    record BarmanCloud(String bucket, String prefix, String server) implements SourceUrl {
        @Override
        public SourceKind kind() {
            return SourceKind.BARMAN_CLOUD;
        }

        @Override
        public String toString() {
            return BARMAN_CLOUD_S3 + bucket + (prefix.isEmpty() ? "" : "/" + prefix) + "/" + server;
        }
    }

    static SourceUrl parse(String url) {
        String u = url.trim();
        if (u.startsWith(PGBACKREST)) {
            String stanza = u.substring(PGBACKREST.length());
            if (!stanza.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
                throw PitrException.usage("repository URL '" + url + "': '" + stanza + "' is not a pgBackRest stanza"
                        + " name (expected pgbackrest://STANZA, the stanza of pgbackrest.conf)");
            }
            return new PgBackRest(stanza);
        }
        if (u.startsWith(BARMAN_CLOUD_S3)) {
            String[] parts = u.substring(BARMAN_CLOUD_S3.length()).split("/");
            if (parts.length < 2 || parts[0].isEmpty() || parts[parts.length - 1].isEmpty()) {
                throw PitrException.usage("repository URL '" + url + "': expected barman-cloud+s3://BUCKET[/PREFIX]/SERVER,"
                        + " the destination and server name given to barman-cloud-backup");
            }
            return new BarmanCloud(parts[0], String.join("/", Arrays.asList(parts).subList(1, parts.length - 1)),
                    parts[parts.length - 1]);
        }
        return new Pitr(u);
    }

    /** The owner of {@code url} when it is another tool's repository. */
    static Optional<SourceUrl> foreign(String url) {
        return Optional.of(parse(url)).filter(s -> s.kind() != SourceKind.PITR);
    }
}
