package dev.pitr.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pitr.core.PitrException;
import dev.pitr.wal.Lsn;
import dev.pitr.wal.WalFileName;
import dev.pitr.wal.WalSegmentName;

/** WAL file names and LSNs from the outside world: parsed exactly, or refused; whatever parses round-trips. */
class WalNameFuzz {
    @FuzzTest(maxDuration = "10s")
    void anyName(String text) {
        if (text == null) {
            return;
        }
        WalSegmentName.parse(text).ifPresent(n -> {
            if (!n.toString().equalsIgnoreCase(text)) {
                throw new AssertionError(text + " parsed as " + n);
            }
        });
        WalFileName.parse(text).ifPresent(f -> {
            if (!f.fileName().equalsIgnoreCase(text)) {
                throw new AssertionError(text + " parsed as " + f.fileName());
            }
        });
        try {
            Lsn lsn = Lsn.parse(text);
            if (!Lsn.parse(lsn.toString()).equals(lsn)) {
                throw new AssertionError(text + " does not round-trip: " + lsn);
            }
        } catch (PitrException refused) {
            // not an LSN: refused with a message
        }
    }
}
