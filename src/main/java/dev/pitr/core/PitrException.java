package dev.pitr.core;

/**
 * An error the user can act on: a one-line message that names the input and what to do, and the exit code
 * the process ends with.
 */
public class PitrException extends RuntimeException {
    private final ExitCode exitCode;

    public PitrException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public PitrException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    public static PitrException usage(String message) {
        return new PitrException(ExitCode.USAGE, message);
    }

    public static PitrException refused(String message) {
        return new PitrException(ExitCode.REFUSED, message);
    }

    public static PitrException io(String message, Throwable cause) {
        return new PitrException(ExitCode.IO_FAILURE, message, cause);
    }

    public static PitrException verification(String message) {
        return new PitrException(ExitCode.VERIFICATION_FAILED, message);
    }
}
