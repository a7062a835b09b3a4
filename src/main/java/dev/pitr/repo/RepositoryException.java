package dev.pitr.repo;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;

/** The repository could not be read or written: exit code 5. */
public class RepositoryException extends PitrException {
    public RepositoryException(String message, Throwable cause) {
        super(ExitCode.IO_FAILURE, message, cause);
    }

    public RepositoryException(String message) {
        super(ExitCode.IO_FAILURE, message);
    }
}
