package dev.pitr.target;

import dev.pitr.target.log.LogFormat;
import dev.pitr.target.log.LogZone;
import dev.pitr.target.sql.DestructiveStatement;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * What to look for, and where. {@code prefix} is the log_line_prefix when one was given (flag, config or
 * server; {@code prefixSource} says which), else it is detected from the log.
 */
public record TargetQuery(List<Path> logs, Optional<LogFormat> format, Optional<String> prefix, String prefixSource,
                          LogZone zone, Optional<DestructiveStatement.QualifiedName> table, Optional<Pattern> statement,
                          Optional<String> database, Optional<String> user, Optional<Instant> since,
                          Optional<Instant> until, OptionalInt year) {
}
