package dev.pitr.repo;

import dev.pitr.wal.WalFileName;

import java.util.Optional;

/**
 * Where things live in a repository (see docs/repository.md). WAL is bucketed by timeline and then by the
 * "log" part of the segment name, so one timeline (or one 4 GB stretch of it) lists without the rest.
 */
public final class RepositoryLayout {
    public static final String IDENTITY = "pitr.json";
    public static final String WAL = "wal/";
    public static final String BACKUPS = "backups/";
    public static final String OBJECT_SUFFIX = ".pitr";

    private RepositoryLayout() {
    }

    public static String timelinePrefix(int timeline) {
        return WAL + String.format("%08X", timeline) + "/";
    }

    public static String walKey(WalFileName file) {
        String dir = timelinePrefix(file.timeline())
                + file.segmentName().map(s -> s.logHex() + "/").orElse("");
        return dir + file.fileName() + OBJECT_SUFFIX;
    }

    /** The WAL file an object key holds, or empty for a key that is not a WAL object of this layout. */
    public static Optional<WalFileName> walFileOf(String key) {
        if (!key.startsWith(WAL) || !key.endsWith(OBJECT_SUFFIX)) {
            return Optional.empty();
        }
        String name = key.substring(key.lastIndexOf('/') + 1, key.length() - OBJECT_SUFFIX.length());
        return WalFileName.parse(name).filter(f -> walKey(f).equals(key));
    }
}
