package dev.pitr.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pitr.core.PitrException;
import dev.pitr.target.log.LogFormat;
import dev.pitr.target.log.LogLinePrefix;
import dev.pitr.target.log.LogReader;
import dev.pitr.target.log.ScanStats;

import java.io.ByteArrayInputStream;
import java.time.ZoneId;
import java.util.Optional;

/** Any log_line_prefix and any bytes, in each format: the reader refuses with a message or reads, never loops forever. */
class LogParserFuzz {
    @FuzzTest(maxDuration = "10s")
    void anyPrefixAnyBytes(FuzzedDataProvider data) throws Exception {
        String prefix = data.consumeString(48);
        LogFormat format = data.pickValue(LogFormat.values());
        boolean detect = data.consumeBoolean();
        byte[] content = data.consumeRemainingAsBytes();
        LogLinePrefix compiled;
        try {
            compiled = new LogLinePrefix(prefix);
        } catch (PitrException rejected) { // a prefix pitr cannot use is refused with a message, never a crash
            return;
        }
        ScanStats stats = new ScanStats();
        LogReader reader = new LogReader(detect ? Optional.empty() : Optional.of(format), compiled,
                Optional.of(ZoneId.of("Europe/Berlin")), stats);
        try {
            reader.read("postgresql.log", "fuzz", new ByteArrayInputStream(content), entry -> {
                if (entry.message() == null) {
                    throw new AssertionError("an entry without a message");
                }
            });
        } catch (PitrException refused) { // not a log pitr reads, or a zone it will not guess: refused by name
            if (refused.getMessage() == null || refused.getMessage().isBlank()) {
                throw new AssertionError("a refusal without a message");
            }
        }
    }
}
