package dev.warden.fleet.liveness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.outbox.Outbox;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Publishes transitions: each into the outbox (for {@code warden.fleet.v1}) and into {@code fleet_transitions} (for
 * the live view, {@code GET /v1/fleet/events}), both in the caller's transaction.
 */
@ApplicationScoped
public class TransitionEvents {

    static final java.time.Duration KEPT = java.time.Duration.ofHours(24);

    private final Outbox outbox;
    private final MeterRegistry meters;

    public TransitionEvents(Outbox outbox, MeterRegistry meters) {
        this.outbox = outbox;
        this.meters = meters;
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
            // The organization's next numbers, from its counter row, locked until this transaction commits
            return conn.preparedQuery("""
                            WITH drawn AS (
                                INSERT INTO fleet_transition_numbers AS c (org_id, last) VALUES ($1, $6)
                                ON CONFLICT (org_id) DO UPDATE SET last = c.last + $6
                                RETURNING last - $6 AS base)
                            INSERT INTO fleet_transitions (org_id, number, event_id, event_type, event, at)
                            SELECT $1, (SELECT base FROM drawn) + n, i, t, e, a
                            FROM unnest($2::uuid[], $3::text[], $4::text[], $5::timestamptz[])
                                 WITH ORDINALITY AS x(i, t, e, a, n) ORDER BY n""")
                    .execute(Tuple.of(org, ids, types, json, at, (long) n)).replaceWithVoid();
        });
    }

    /** The organization's transitions after its number {@code after}, oldest first. */
    public Uni<List<Recorded>> after(SqlConnection conn, long after, int limit) {
        return conn.preparedQuery("""
                        SELECT number, event_type, event FROM fleet_transitions
                        WHERE org_id = warden_current_org() AND number > $1 ORDER BY number LIMIT $2""")
                .execute(Tuple.of(after, limit))
                .map(rows -> {
                    List<Recorded> out = new ArrayList<>(rows.size());
                    for (Row r : rows) {
                        out.add(new Recorded(r.getLong("number"), r.getString("event_type"), forViewers(r.getString("event"))));
                    }
                    return out;
                });
    }

    /** The organization's newest transition, or 0: where a live view without Last-Event-ID starts. */
    public Uni<Long> newest(SqlConnection conn) {
        return conn.preparedQuery("SELECT coalesce(max(number), 0) FROM fleet_transitions WHERE org_id = warden_current_org()").execute()
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** Platform scope: forgets transitions older than a day. */
    public Uni<Void> forgetBefore(SqlConnection conn, Instant before) {
        return conn.preparedQuery("DELETE FROM fleet_transitions WHERE at < $1")
                .execute(Tuple.of(before.atOffset(ZoneOffset.UTC))).replaceWithVoid();
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
