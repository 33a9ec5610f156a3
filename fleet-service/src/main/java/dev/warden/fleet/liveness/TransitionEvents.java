package dev.warden.fleet.liveness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.TenantDb;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * Publishes transitions: each into the outbox (for {@code warden.fleet.v1}) and into {@code fleet_transitions} (for
 * the live view, {@code GET /v1/fleet/events}), both in the caller's transaction; and reads them back for the live view.
 */
@ApplicationScoped
public class TransitionEvents {

    static final java.time.Duration KEPT = java.time.Duration.ofHours(24);

    private final Outbox outbox;
    private final MeterRegistry meters;
    private final TenantDb db;
    private final TransitionRepository transitions;

    public TransitionEvents(Outbox outbox, MeterRegistry meters, TenantDb db, TransitionRepository transitions) {
        this.outbox = outbox;
        this.meters = meters;
        this.db = db;
        this.transitions = transitions;
    }

    public Uni<Void> emit(SqlConnection conn, UUID org, List<Outbox.Message> messages) {
        if (messages.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return outbox.emitAll(conn, org, messages).chain(events -> {
            int n = events.size();
            UUID[] ids = new UUID[n];
            String[] types = new String[n];
            String[] json = new String[n];
            OffsetDateTime[] at = new OffsetDateTime[n];
            for (int i = 0; i < n; i++) {
                CloudEvent e = events.get(i);
                ids[i] = e.id();
                types[i] = e.type();
                json[i] = EventJson.write(e);
                at[i] = (e.time() == null ? Instant.now() : e.time()).atOffset(ZoneOffset.UTC);
            }
            for (CloudEvent e : events) {
                meters.counter("warden.fleet.transitions", "type", e.type()).increment();
            }
            return transitions.insert(conn, org, ids, types, json, at);
        });
    }

    /** The live view's transitions of {@code org} after its number {@code after}, oldest first, as viewers see them. */
    public Uni<List<Recorded>> after(UUID org, long after, int limit) {
        return db.inOrg(org, conn -> transitions.after(conn, after, limit)).map(found -> found.stream()
                .map(r -> new Recorded(r.number(), r.type(), forViewers(r.event()))).toList());
    }

    /** The organization's newest transition, or 0: where a live view without Last-Event-ID starts. */
    public Uni<Long> newest(UUID org) {
        return db.inOrg(org, transitions::newest);
    }

    /** Platform scope: forgets transitions older than {@code before}. */
    public Uni<Void> forgetBefore(SqlConnection conn, Instant before) {
        return transitions.forgetBefore(conn, before);
    }

    /**
     * The event as the live view shows it: without {@code credential_sha256}, which audit-service needs over Kafka
     * (it looks an instance's credential up by it) and no viewer does.
     */
    static String forViewers(String event) {
        if (!event.contains("\"credential_sha256\"")) {
            return event;
        }
        try {
            JsonNode tree = EventJson.MAPPER.readTree(event);
            if (tree.path("data") instanceof ObjectNode data) {
                data.remove("credential_sha256");
            }
            return EventJson.MAPPER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored transition is not JSON", e);
        }
    }

    /** {@code number}: the organization's own, the event's SSE id. */
    public record Recorded(long number, String type, String event) {
    }
}
