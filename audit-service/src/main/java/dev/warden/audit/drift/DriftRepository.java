package dev.warden.audit.drift;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.api.PageRequest;
import dev.warden.events.EventTypes;
import dev.warden.events.audit.AuditEvents.DriftEvent;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.tenancy.db.ListQuery.Page;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.json;
import static dev.warden.tenancy.db.Rows.jsonText;
import static dev.warden.tenancy.db.Rows.utc;

/** Drift events, and the declared intents they are judged by. Row-Level Security scopes every statement. */
@ApplicationScoped
public class DriftRepository {

    private static final String COLUMNS = """
            id, org_id, agent_id, drift_type, action_event_id, connector, action, data_type, details::text, occurred_at,
            detected_at, sequence""";

    /** An agent's declared manifest (null: none declared) at the revision of the agent it came with. */
    public record StoredIntent(JsonNode manifest, long revision, JsonNode snapshot) {

        boolean declared() {
            return manifest != null && !manifest.isNull();
        }
    }

    public Uni<Page<DriftEvent>> list(SqlConnection conn, String agentId, String driftType, PageRequest page) {
        return ListQuery.select(COLUMNS, "drift_events")
                .whereEquals("agent_id", agentId)
                .whereEquals("drift_type", driftType)
                .updatedSince("detected_at", page.updatedSince())
                .byTimeAfter("detected_at", "id", page.after())
                .page(conn, page.limit(), DriftRepository::drift);
    }

    public Uni<Void> insert(SqlConnection conn, List<DriftEvent> drifts) {
        if (drifts.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("""
                        INSERT INTO drift_events (id, org_id, agent_id, drift_type, action_event_id, connector, action,
                            data_type, details, occurred_at, detected_at, sequence)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10, $11, $12)""")
                .executeBatch(drifts.stream().map(d -> Tuple.from(Arrays.asList(d.id(), d.orgId(), d.agentId(),
                        d.driftType(), d.actionEventId(), d.connector(), d.action(), d.dataType(), jsonText(d.details()),
                        utc(d.occurredAt()), utc(d.detectedAt()), d.sequence()))).toList())
                .replaceWithVoid();
    }

    /** The intents known for {@code agents}, by agent id; an agent never seen is absent. */
    public Uni<Map<String, StoredIntent>> intents(SqlConnection conn, Collection<String> agents) {
        if (agents.isEmpty()) {
            return Uni.createFrom().item(new HashMap<>());
        }
        return conn.preparedQuery("SELECT agent_id, declared_intent::text, revision FROM agent_intents WHERE agent_id = ANY ($1)")
                .execute(Tuple.of(agents.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, StoredIntent> found = new HashMap<>();
                    rows.forEach(r -> found.put(r.getString("agent_id"),
                            new StoredIntent(json(r, "declared_intent"), r.getLong("revision"), null)));
                    return found;
                });
    }

    /** Keeps each agent's newest intent: a snapshot of a lower revision than the stored one changes nothing. */
    public Uni<Void> saveIntents(SqlConnection conn, UUID org, Map<String, StoredIntent> changed) {
        if (changed.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = changed.entrySet().stream().map(e -> Tuple.of(org, e.getKey(),
                e.getValue().declared() ? jsonText(e.getValue().manifest()) : null, e.getValue().revision(),
                jsonText(e.getValue().snapshot()))).toList();
        return conn.preparedQuery("""
                        INSERT INTO agent_intents (org_id, agent_id, declared_intent, revision, snapshot)
                        VALUES ($1, $2, $3::text::jsonb, $4, $5::text::jsonb)
                        ON CONFLICT (org_id, agent_id) DO UPDATE SET declared_intent = EXCLUDED.declared_intent,
                            revision = EXCLUDED.revision, snapshot = EXCLUDED.snapshot
                        WHERE agent_intents.revision < EXCLUDED.revision""")
                .executeBatch(rows).replaceWithVoid();
    }

    /** When the agent's latest actions in {@code [from, to)} occurred, oldest first, at most {@code max} of them. */
    /** The times of the agent's recorded actions from {@code from} to {@code to}, oldest first, at most {@code max}. */
    public Uni<List<Instant>> actionTimes(SqlConnection conn, String agentId, Instant from, Instant to, int max) {
        return conn.preparedQuery("""
                        SELECT occurred_at FROM audit_entries
                        WHERE agent_id = $1 AND event_type = $2 AND occurred_at >= $3 AND occurred_at <= $4
                        ORDER BY occurred_at LIMIT $5""")
                .execute(Tuple.of(agentId, EventTypes.AGENT_ACTION, utc(from), utc(to), max))
                .map(DriftRepository::times);
    }

    /** The times of the actions the agent's frequency drifts were reported on, from {@code from} to {@code to}. */
    public Uni<List<Instant>> frequencyDrifts(SqlConnection conn, String agentId, Instant from, Instant to) {
        return conn.preparedQuery("""
                        SELECT occurred_at FROM drift_events
                        WHERE agent_id = $1 AND drift_type = $2 AND occurred_at >= $3 AND occurred_at <= $4""")
                .execute(Tuple.of(agentId, DriftRules.FREQUENCY_EXCEEDED, utc(from), utc(to)))
                .map(DriftRepository::times);
    }

    private static List<Instant> times(RowSet<Row> rows) {
        List<Instant> times = new ArrayList<>(rows.size());
        rows.forEach(r -> times.add(r.getOffsetDateTime(0).toInstant()));
        return times;
    }

    private static DriftEvent drift(Row r) {
        return new DriftEvent(r.getUUID("id"), r.getUUID("org_id"), r.getString("agent_id"), r.getString("drift_type"),
                r.getUUID("action_event_id"), r.getString("connector"), r.getString("action"), r.getString("data_type"),
                json(r, "details"), instant(r, "occurred_at"), instant(r, "detected_at"), r.getLong("sequence"));
    }
}
