package dev.warden.outbox;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.UUID;

/**
 * Writes an event into the outbox on the caller's connection, so it commits or rolls back with the change it
 * describes. Must be called inside the transaction that made the change, after the row it concerns is locked.
 */
@ApplicationScoped
public class Outbox {

    private final String source;

    public Outbox(@ConfigProperty(name = "quarkus.application.name") String applicationName) {
        this.source = "/warden/" + applicationName;
    }

    /** Records an event of {@code type} about {@code subject}, keyed by the subject on the type's topic. */
    public Uni<CloudEvent> emit(SqlConnection conn, UUID orgId, String type, String subject, Object data) {
        return emit(conn, orgId, type, subject, subject, data);
    }

    public Uni<CloudEvent> emit(SqlConnection conn, UUID orgId, String type, String subject, String key, Object data) {
        String topic = EventTypes.TOPIC_OF.get(type);
        if (topic == null) {
            throw new IllegalArgumentException("no topic for event type " + type);
        }
        CloudEvent event = CloudEvent.of(source, type, subject, orgId, data);
        return conn.preparedQuery("""
                        INSERT INTO warden_outbox (org_id, topic, record_key, event_id, event_type, payload)
                        VALUES ($1, $2, $3, $4, $5, $6)""")
                .execute(Tuple.of(orgId, topic, key, event.id(), type, EventJson.write(event)))
                .replaceWith(event);
    }
}
