package dev.pitr.wal;

import dev.pitr.core.PitrException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * The long page header at the start of every WAL segment (PostgreSQL's {@code XLogLongPageHeaderData}):
 * it says which cluster (system identifier) and position the segment belongs to, so pitr can refuse WAL from
 * the wrong cluster before it reaches the repository.
 */
public record WalPageHeader(int magic, int info, int timeline, long pageAddress, long systemIdentifier,
                            int segmentSize, int blockSize) {
    public static final int LENGTH = 40;
    private static final int XLP_LONG_HEADER = 0x0002;
    /** XLOG_PAGE_MAGIC per major version: a file with any other magic is not WAL pitr understands. */
    private static final Map<Integer, Integer> MAJOR_BY_MAGIC = Map.of(
            0xD106, 13, 0xD10D, 14, 0xD110, 15, 0xD113, 16, 0xD116, 17, 0xD118, 18);

    public static WalPageHeader read(byte[] data, String what) {
        if (data.length < LENGTH) {
            throw PitrException.usage(what + " is " + data.length + " bytes, too short to be a WAL segment");
        }
        ByteBuffer b = ByteBuffer.wrap(data, 0, LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        WalPageHeader h = new WalPageHeader(b.getShort(0) & 0xFFFF, b.getShort(2) & 0xFFFF, b.getInt(4),
                b.getLong(8), b.getLong(24), b.getInt(32), b.getInt(36));
        if (!MAJOR_BY_MAGIC.containsKey(h.magic) || (h.info & XLP_LONG_HEADER) == 0) {
            throw PitrException.usage(what + " does not start with a WAL long page header (magic "
                    + String.format("0x%04X", h.magic) + "); it is not a PostgreSQL 13+ WAL segment");
        }
        return h;
    }

    public int postgresMajor() {
        return MAJOR_BY_MAGIC.get(magic);
    }

    public String systemIdentifierText() {
        return Long.toUnsignedString(systemIdentifier);
    }

    /**
     * Whether the first page's timeline can be the named segment's: the same, or an earlier one. A server that
     * leaves recovery (a promoted standby, an end of recovery) anywhere but on a segment boundary starts the new
     * timeline's first segment as a copy of the old timeline's pages up to the switch point, so that segment's
     * first page still says the old timeline; PostgreSQL's own reader only refuses a timeline that goes
     * backwards from page to page.
     */
    public boolean timelineFits(WalSegmentName name) {
        return timeline >= 1 && timeline <= name.timeline();
    }

    /** Checks the header against the file's name and length, as PostgreSQL itself would on replay. */
    public void checkMatches(WalSegmentName name, long fileLength, String what) {
        if (Integer.bitCount(segmentSize) != 1 || segmentSize < (1 << 20)) {
            throw PitrException.usage(what + ": header says segment size " + segmentSize + ", which is not valid");
        }
        if (fileLength != segmentSize) {
            throw PitrException.usage(what + " is " + fileLength + " bytes but its header says segments are "
                    + segmentSize + " bytes: the file is truncated or damaged");
        }
        if (!timelineFits(name)) {
            throw PitrException.usage(what + ": header says timeline " + timeline + " but the name says "
                    + name.timeline() + ": a segment's pages never belong to a later timeline than its name");
        }
        Lsn expected = name.startLsn(segmentSize);
        if (pageAddress != expected.value()) {
            throw PitrException.usage(what + ": header says it starts at " + new Lsn(pageAddress)
                    + " but the name says " + expected + ": renamed or damaged segment");
        }
    }
}
