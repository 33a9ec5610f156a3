package dev.warden.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.api.ApiException;
import dev.warden.api.ErrorResponse.FieldError;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventSchemas;
import dev.warden.events.EventTypes;
import dev.warden.observability.TraceContext;
import dev.warden.tenancy.db.AfterCommit;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Writes an event into the outbox on the caller's connection, so it commits or rolls back with the change it
 * describes. Each event is checked against its JSON Schema first (warden-events), so what enters the outbox is
 * what the AsyncAPI document promises. Must be called inside the transaction that made the change, after the row it concerns is locked.
 * Each event carries the current span's {@code traceparent} when there is one, so its consumers continue the
 * producing request's trace.
 */
@ApplicationScoped
public class Outbox {

    /** What wakes the relay ({@link OutboxRelay}) once a transaction that wrote events commits. */
    public static final String CHANNEL = "warden_outbox";

    private final String source;

    public Outbox(@ConfigProperty(name = "quarkus.application.name") String applicationName) {
        this.source = "/warden/" + applicationName;
    }

    /** The events' schemas compiled as the service starts, on a worker thread, not by the first event of each type. */
    void onStart(@Observes StartupEvent event) {
        Infrastructure.getDefaultWorkerPool().execute(EventSchemas::prepare);
    }

    /** Records an event of {@code type} about {@code subject}, keyed by the subject on the type's topic. */
    public Uni<CloudEvent> emit(SqlConnection conn, UUID orgId, String type, String subject, Object data) {
        return emit(conn, orgId, type, subject, subject, data);
    }

    public Uni<CloudEvent> emit(SqlConnection conn, UUID orgId, String type, String subject, String key, Object data) {
        return emitAll(conn, orgId, List.of(new Message(type, subject, key, data))).map(List::getFirst);
    }

    /** Records several events in one round trip, in the given order. */
    public Uni<List<CloudEvent>> emitAll(SqlConnection conn, UUID orgId, List<Message> messages) {
        return emitAll(conn, orgId, messages, TraceContext.currentTraceparent());
    }

    /**
     * As above, with the trace context given: for work that runs off the thread where its span is current, such as
     * a consumer's batch (its handler captures the context where the batch's span is current and passes it down).
     */
    public Uni<List<CloudEvent>> emitAll(SqlConnection conn, UUID orgId, List<Message> messages, String traceparent) {
        if (messages.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        int n = messages.size();
        List<CloudEvent> events = new ArrayList<>(n);
        String[] topics = new String[n];
        String[] keys = new String[n];
        UUID[] ids = new UUID[n];
        String[] types = new String[n];
        String[] payloads = new String[n];
        for (int i = 0; i < n; i++) {
            Message m = messages.get(i);
            String topic = EventTypes.TOPIC_OF.get(m.type());
            if (topic == null) {
                throw new IllegalArgumentException("no topic for event type " + m.type() + ": add it to EventTypes.TOPIC_OF (warden-events)");
            }
            CloudEvent event = CloudEvent.of(source, m.type(), m.subject(), orgId, m.data(), traceparent);
            JsonNode json = EventJson.MAPPER.valueToTree(event);
            List<String> violations = EventSchemas.violations(json);
            if (!violations.isEmpty()) {
                return Uni.createFrom().failure(invalid(m.type(), violations));
            }
            events.add(event);
            topics[i] = topic;
            keys[i] = m.key();
            ids[i] = event.id();
            types[i] = m.type();
            payloads[i] = EventJson.write(json);
            int bytes = EventJson.utf8Length(payloads[i]);
            if (bytes > EventJson.MOST_EVENT_BYTES) {
                return Uni.createFrom().failure(tooLarge(m.type(), bytes));
            }
        }
        // One statement per call; ORDER BY keeps the seqs in the order given. The relay is woken after the commit.
        return conn.preparedQuery("""
                        INSERT INTO warden_outbox (org_id, topic, record_key, event_id, event_type, payload)
                        SELECT $1, t, k, e, y, p FROM unnest($2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[])
                            WITH ORDINALITY AS x(t, k, e, y, p, n) ORDER BY n""")
                .execute(Tuple.of(orgId, topics, keys, ids, types, payloads))
                .call(() -> AfterCommit.notifyListeners(conn, CHANNEL))
                .replaceWith(events);
    }

    /**
     * An event that does not match its type's schema never enters the outbox, so no consumer ever has to refuse
     * it: the change that would have published it fails with a 400 naming what is wrong (its transaction rolls
     * back). Request checks should have refused the input before; this is the last line.
     */
    private static ApiException invalid(String type, List<String> violations) {
        List<FieldError> details = violations.stream().map(v -> new FieldError(fieldOf(v), v)).toList();
        return ApiException.badRequest("The change would publish a " + type + " event that does not match its schema: "
                + String.join("; ", violations), details);
    }

    /**
     * An event larger than Kafka takes would stop the relay at its row, for every organization, until someone removed
     * it by hand (a user trial's agent, grown by PATCHes under the request limit, did): the change that would have
     * published it fails with a 413 instead, and its transaction rolls back. Request checks bound what callers write
     * well below this; this is the last line.
     */
    private static ApiException tooLarge(String type, int bytes) {
        return new ApiException(413, "payload_too_large", "The change would publish a " + type + " event of " + bytes
                + " bytes, more than the " + EventJson.MOST_EVENT_BYTES + " an event may be: make what it carries smaller",
                List.of());
    }

    /** networknt names the place first: "$.binding.connector: must be at least 1 characters long". */
    private static String fieldOf(String violation) {
        int colon = violation.indexOf(": ");
        return colon > 0 && violation.startsWith("$") ? violation.substring(0, colon) : "event";
    }

    /** An event to record: its type, what it is about, its record key and its payload. */
    public record Message(String type, String subject, String key, Object data) {
    }
}
