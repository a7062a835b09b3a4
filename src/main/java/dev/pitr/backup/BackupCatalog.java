package dev.pitr.backup;

import dev.pitr.core.ExitCode;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
import dev.pitr.repo.Repository;
import dev.pitr.repo.RepositoryLayout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The backups in a repository; a backup whose metadata object is missing is incomplete and never offered. */
public final class BackupCatalog {
    public static final String METADATA = "backup.json";
    /** Written when a backup starts: a directory with it but without the metadata is an incomplete backup. */
    public static final String STARTED = "backup.started";

    /** One backup directory: complete (with metadata) or not. */
    public record Entry(String id, Optional<BackupMetadata> metadata) {
        public boolean complete() {
            return metadata.isPresent();
        }
    }

    private final Repository repo;

    public BackupCatalog(Repository repo) {
        this.repo = repo;
    }

    public static String prefix(String id) {
        return RepositoryLayout.BACKUPS + id + "/";
    }

    public List<Entry> list() {
        List<Entry> out = new ArrayList<>();
        for (String id : repo.listChildren(RepositoryLayout.BACKUPS)) {
            out.add(new Entry(id, read(id)));
        }
        out.sort(Comparator.comparing(Entry::id));
        return out;
    }

    public List<BackupMetadata> complete() {
        return list().stream().flatMap(e -> e.metadata().stream()).toList();
    }

    public Optional<BackupMetadata> read(String id) {
        return repo.getBytes(prefix(id) + METADATA).map(bytes -> {
            try {
                BackupMetadata m = Json.mapper().readValue(bytes, BackupMetadata.class);
                if (m.formatVersion() > BackupMetadata.FORMAT_VERSION || m.id() == null || m.files() == null) {
                    throw new PitrException(ExitCode.IO_FAILURE, "backup " + id + ": metadata format "
                            + m.formatVersion() + " is newer than this pitr or incomplete; upgrade pitr");
                }
                return m;
            } catch (IOException e) {
                throw new PitrException(ExitCode.IO_FAILURE, "backup " + id + ": metadata is not valid JSON ("
                        + e.getMessage().lines().findFirst().orElse("") + ")", e);
            }
        });
    }

    public BackupMetadata require(String id) {
        return read(id).orElseThrow(() -> PitrException.usage("backup '" + id + "' is not a complete backup in "
                + repo.url() + " (see 'pitr backup list')"));
    }
}
