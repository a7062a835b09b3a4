package dev.pitr.backup;

import dev.pitr.core.ExitCode;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
import dev.pitr.core.StrictJson;
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
    /** PostgreSQL's tablespace_map of a backup with tablespaces: "OID LOCATION" per line. */
    public static final String TABLESPACE_MAP = "tablespace_map";

    /** One backup directory: complete (with metadata) or not. */
    /**
     * One backup directory: complete (metadata read), interrupted (no metadata was ever written), or unusable
     * (metadata present but refused: {@code problem} says why). Only interrupted ones are safe to delete.
     */
    public record Entry(String id, Optional<BackupMetadata> metadata, Optional<String> problem) {
        public boolean complete() {
            return metadata.isPresent();
        }

        public boolean interrupted() {
            return metadata.isEmpty() && problem.isEmpty();
        }

        public String status() {
            return complete() ? "complete" : problem.map(p -> "unusable").orElse("incomplete");
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
            try {
                out.add(new Entry(id, read(id), Optional.empty()));
            } catch (PitrException e) { // one bad backup.json must not hide the others
                out.add(new Entry(id, Optional.empty(), Optional.of(e.getMessage())));
            }
        }
        out.sort(Comparator.comparing(Entry::id));
        return out;
    }

    public List<BackupMetadata> complete() {
        return list().stream().flatMap(e -> e.metadata().stream()).toList();
    }

    public Optional<BackupMetadata> read(String id) {
        return repo.getBytes(prefix(id) + METADATA).map(bytes -> {
            String what = "backup " + id + " (" + prefix(id) + METADATA + ")";
            BackupMetadata m = StrictJson.read(bytes, BackupMetadata.class, BackupMetadata.FORMAT_VERSION, what);
            if (!id.equals(m.id())) {
                throw new PitrException(ExitCode.IO_FAILURE, what + " describes backup '" + m.id() + "'; never used");
            }
            if (m.files() == null || m.files().isEmpty()) {
                throw new PitrException(ExitCode.IO_FAILURE, what + " lists no files; never used");
            }
            return m;
        });
    }

    /** A backup's tablespaces, OID to the location they had on the backed-up server; empty without any. */
    public java.util.Map<String, String> tablespaces(String id) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        repo.getBytes(prefix(id) + TABLESPACE_MAP).ifPresent(bytes -> new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
                .lines().filter(l -> l.contains(" ")).forEach(l -> out.put(l.substring(0, l.indexOf(' ')),
                        l.substring(l.indexOf(' ') + 1))));
        return out;
    }

    /** What a backup ID looks like (the claim time, and -N when several started in one second). */
    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("\\d{8}T\\d{6}Z(-\\d{1,2})?");

    public BackupMetadata require(String id) {
        if (!ID.matcher(id).matches()) {
            throw PitrException.usage("'" + id + "' is not a backup ID (like 20261201T094512Z): see 'pitr backup list'");
        }
        return read(id).orElseThrow(() -> PitrException.usage("backup '" + id + "' is not a complete backup in "
                + repo.url() + " (see 'pitr backup list')"));
    }
}
