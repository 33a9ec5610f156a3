package dev.warden.api;

/**
 * A dependency the request needs (the database, the broker) could not be reached: the request may well succeed in a
 * moment, so it is a 503 with {@code Retry-After}, never a 500. The cause stays for the log and for retry decisions.
 */
public class UnavailableException extends RuntimeException {

    /** Long enough for a restarted database or broker to take connections again; short enough not to matter. */
    public static final int RETRY_AFTER_SECONDS = 5;

    /**
     * What a client is told whose change was committed and then waited in vain to be in force (published, applied):
     * that it stands, and how to ask again without making it twice.
     */
    public static final String COMMITTED = "the change is committed and takes effect once it is back, but cannot be "
            + "promised in force yet; read it back before sending it again, and send it again with the same "
            + "Idempotency-Key where the operation takes one";

    private final String dependency;
    private final String done;

    /** {@code dependency}: what a client may be told was unavailable, e.g. "database"; never internals. */
    public UnavailableException(String dependency, Throwable cause) {
        this(dependency, cause, null);
    }

    /**
     * The same, for a request whose change was made before the dependency failed it: {@code done} tells the client
     * what stands and how to ask again without making the change twice.
     */
    public UnavailableException(String dependency, Throwable cause, String done) {
        // The message is for logs and retry decisions; a client is told only which dependency (ErrorMappers).
        super("The " + dependency + " is unavailable" + (cause == null ? "" : ": " + cause.getMessage()), cause,
                false, false);
        this.dependency = dependency;
        this.done = done;
    }

    public String dependency() {
        return dependency;
    }

    /** What the request did before the dependency failed it, for the client; null when it changed nothing. */
    public String done() {
        return done;
    }
}
