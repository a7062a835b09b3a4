package dev.pitr.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pitr.core.PitrException;
import dev.pitr.wal.WalObjectFormat;
import dev.pitr.wal.WalPageHeader;
import dev.pitr.wal.WalSegmentName;

/**
 * Bytes from a disk or a repository that may be damaged or hostile: the WAL page header reader and the stored
 * object decoder either accept them or refuse with their own exception — no other exception, no huge buffer.
 */
class WalFormatFuzz {
    @FuzzTest(maxDuration = "10s")
    void anyBytes(FuzzedDataProvider data) {
        boolean asObject = data.consumeBoolean();
        long segment = data.consumeLong(0, 1L << 40);
        byte[] bytes = data.consumeRemainingAsBytes();
        if (asObject) {
            try {
                byte[] raw = WalObjectFormat.decode(bytes);
                if (raw.length != WalObjectFormat.readHeader(bytes).rawLength()) {
                    throw new AssertionError("decoded length differs from the header");
                }
            } catch (WalObjectFormat.CorruptObjectException refused) {
                // damaged: named and refused
            }
            return;
        }
        try {
            WalPageHeader header = WalPageHeader.read(bytes, "fuzz");
            header.checkMatches(WalSegmentName.of(1, segment, 16 * 1024 * 1024), bytes.length, "fuzz");
        } catch (PitrException refused) {
            // not a WAL segment, or not this one: refused with a message
        }
    }
}
