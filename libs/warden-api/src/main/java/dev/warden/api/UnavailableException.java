package dev.warden.api;

/**
 * A dependency the request needs (the database, the broker) could not be reached: the request may well succeed in a
 * moment, so it is a 503 with {@code Retry-After}, never a 500. The cause stays for the log and for retry decisions.
 */
public class UnavailableException extends RuntimeException {

    /** Long enough for a restarted database or broker to take connections again; short enough not to matter. */
    public static final int RETRY_AFTER_SECONDS = 5;

    private final String dependency;

    /** {@code dependency}: what a client may be told was unavailable, e.g. "database"; never internals. */
    public UnavailableException(String dependency, Throwable cause) {
        // The message is for logs and retry decisions; a client is told only which dependency (ErrorMappers).
        super("The " + dependency + " is unavailable" + (cause == null ? "" : ": " + cause.getMessage()), cause,
                false, false);
        this.dependency = dependency;
    }

    public String dependency() {
        return dependency;
    }
}
