package dev.pitr.logscan;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** What to look for, and where. */
public record TargetQuery(List<Path> logs, Optional<LogFormat> format, LogLinePrefix prefix, Optional<ZoneId> logZone,
                          Optional<DestructiveStatement.QualifiedName> table, Optional<Pattern> statement,
                          Optional<String> database, Optional<String> user, Optional<Instant> since,
                          Optional<Instant> until) {
}
