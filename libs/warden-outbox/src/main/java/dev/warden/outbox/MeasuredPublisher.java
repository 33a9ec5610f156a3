package dev.warden.outbox;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * A publisher beside the outbox's relay (audit-service's, which publishes its chain on {@code warden.audit.v1}),
 * measured as the relay is ({@link OutboxMetrics}): {@code <prefix>_backlog}, what is recorded and not yet published,
 * and {@code <prefix>_oldest_age_seconds}, how long the oldest of it has waited, both read with the outbox's; and
 * {@code <prefix>_published_total}, what this instance has published.
 */
public interface MeasuredPublisher {

    /**
     * The metrics' name before {@code .backlog}, {@code .oldest.age} and {@code .published}, dotted:
     * {@code warden.audit.topic}.
     */
    String metricPrefix();

    /** What it publishes, as the metrics' descriptions begin: "Audit entries". */
    String publishes();

    /** What this instance has published since it started. */
    long published();

    /**
     * What is recorded and not yet published, over every organization (the connection has the platform scope), and how
     * long the oldest of it has waited.
     */
    Uni<Waiting> waiting(SqlConnection conn);

    /** How many wait, and how long the oldest has waited, in seconds (0 when none does). */
    record Waiting(long count, double oldestAgeSeconds) {
    }
}
