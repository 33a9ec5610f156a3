package dev.warden.launcher;

/** A failure the user can fix (a port in use, a missing file): printed as one clear message, without a stack trace. */
public class LauncherException extends RuntimeException {

    public LauncherException(String message) {
        super(message);
    }

    public LauncherException(String message, Throwable cause) {
        super(message, cause);
    }
}
