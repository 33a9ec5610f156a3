package dev.warden.outbox;

import dev.warden.tenancy.health.Outages;

/**
 * What a handler's failure says about the events it was handling. Only an unreachable or overloaded database or broker
 * ({@link Outages}, a serialization failure or deadlock among them) is {@link #TRANSIENT}: the events are fine and are
 * retried until they pass, never dead-lettered. Anything else may be caused by the event itself, so it is retried a
 * bounded number of times.
 */
public enum FailureKind {

    /** The database or broker could not be reached, or was too busy: retry, however long it takes. */
    TRANSIENT,
    /** The handler threw {@link UnprocessableEventException}: dead-letter the event at once. */
    UNPROCESSABLE,
    /** Anything else, a poison event among others: retry a few times, then isolate and dead-letter it. */
    OTHER;

    public static FailureKind of(Throwable failure) {
        var all = Outages.causes(failure);
        if (all.stream().anyMatch(t -> t instanceof UnprocessableEventException)) {
            return UNPROCESSABLE;
        }
        return Outages.isOutage(failure) ? TRANSIENT : OTHER; // a serialization failure or deadlock among them
    }
}
