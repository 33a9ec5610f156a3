package dev.warden.outbox;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The one way a service consumes an event: parse it, handle it at most once per consumer (the event id is recorded
 * in the handler's own transaction, scoped to the event's organization), or dead-letter what cannot be parsed.
 * Redelivery and replay from offset zero therefore change nothing twice.
 */
@ApplicationScoped
public class EventInbox {

    public enum Outcome { HANDLED, DUPLICATE, DEAD_LETTERED }

    /** Handles one event inside the transaction that also records it as processed. */
    @FunctionalInterface
    public interface Handler {
        Uni<Void> handle(SqlConnection conn, CloudEvent event);
    }

    private final TenantDb db;
    private final DeadLetters deadLetters;

    public EventInbox(TenantDb db, DeadLetters deadLetters) {
        this.db = db;
        this.deadLetters = deadLetters;
    }

    public Uni<Outcome> deliver(String consumer, ConsumerRecord<String, String> record, Handler handler) {
        CloudEvent event;
        try {
            event = EventJson.read(record.value());
        } catch (RuntimeException e) {
            return deadLetters.send(record, e.getMessage()).replaceWith(Outcome.DEAD_LETTERED);
        }
        return db.inOrg(event.orgid(), conn -> conn.preparedQuery("""
                                INSERT INTO warden_processed_events (consumer, event_id, org_id) VALUES ($1, $2, $3)
                                ON CONFLICT DO NOTHING""")
                        .execute(Tuple.of(consumer, event.id(), event.orgid()))
                        .chain(inserted -> inserted.rowCount() == 0
                                ? Uni.createFrom().item(Outcome.DUPLICATE)
                                : handler.handle(conn, event).replaceWith(Outcome.HANDLED)))
                .onFailure(UnprocessableEventException.class)
                .recoverWithUni(e -> deadLetters.send(record, e.getMessage()).replaceWith(Outcome.DEAD_LETTERED));
    }
}
