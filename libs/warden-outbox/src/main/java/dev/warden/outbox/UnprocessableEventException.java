package dev.warden.outbox;

/** Thrown by a handler for an event whose content can never be handled; the event goes to the dead-letter topic. */
public class UnprocessableEventException extends RuntimeException {

    public UnprocessableEventException(String reason) {
        super(reason);
    }
}
