package dev.warden.outbox;

/**
 * Thrown by a handler for an event whose content can never be handled: the event goes to the dead-letter topic at once,
 * without retries (from a batch, after its records are handled one at a time to find it).
 */
public class UnprocessableEventException extends RuntimeException {

    public UnprocessableEventException(String reason) {
        super(reason);
    }
}
