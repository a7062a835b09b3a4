package dev.pitr.wal;

import java.util.Optional;

/**
 * A relation's file as the WAL names it: tablespace, database and file node OIDs ({@code 1663/16384/16386} in a
 * block reference, {@code base/16384/16386} in a commit's dropped files).
 */
public record RelFileNode(long tablespace, long database, long relation) {
    public static final long DEFAULT_TABLESPACE = 1663;
    public static final long GLOBAL_TABLESPACE = 1664;

    /** {@code 1663/16384/16386}, as pg_waldump prints block references. */
    public static Optional<RelFileNode> parseTriple(String text) {
        String[] p = text.split("/");
        if (p.length != 3) {
            return Optional.empty();
        }
        try {
            return Optional.of(new RelFileNode(Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * A path relative to the data directory ({@code base/D/R}, {@code global/R}, {@code pg_tblspc/T/PG_15_x/D/R}),
     * as commit and storage records print them; fork suffixes ({@code _fsm}) are not part of a relation path there.
     */
    public static Optional<RelFileNode> parsePath(String path) {
        String[] p = path.split("/");
        try {
            if (p.length == 3 && p[0].equals("base")) {
                return Optional.of(new RelFileNode(DEFAULT_TABLESPACE, Long.parseLong(p[1]), Long.parseLong(p[2])));
            }
            if (p.length == 2 && p[0].equals("global")) {
                return Optional.of(new RelFileNode(GLOBAL_TABLESPACE, 0, Long.parseLong(p[1])));
            }
            if (p.length == 5 && p[0].equals("pg_tblspc")) {
                return Optional.of(new RelFileNode(Long.parseLong(p[1]), Long.parseLong(p[3]), Long.parseLong(p[4])));
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return tablespace + "/" + database + "/" + relation;
    }
}
