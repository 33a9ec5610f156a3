package dev.warden.audit.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.audit.chain.VerificationRepository;
import dev.warden.tenancy.db.Rows;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.all;
import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.json;
import static dev.warden.tenancy.db.Rows.utc;

/** Compliance packages and the evidence they gather. Row-Level Security scopes every statement to one organization. */
@ApplicationScoped
public class ComplianceRepository {

    /** The agent as last seen on its topic, and its declared intent; both null for an agent never seen. */
    /** Whether a package moved within {@link VerificationRepository#STALE}. */
    private static final String MOVING = "updated_at >= now() - interval '" + VerificationRepository.STALE + "'";
    /** A building package that has not moved for that long. */
    private static final String INTERRUPTED = "status = 'building' AND NOT " + MOVING;

    public record AgentState(JsonNode snapshot, JsonNode declaredIntent) {
    }

    /** One entry of an agent's history: its metadata, and where and when it happened. */
    public record HistoryEntry(long sequence, String actionType, String actor, String connector, JsonNode metadata,
                               Instant occurredAt) {
    }

    /**
     * How many of the organization's packages are building (and moving); first takes a lock on the organization's
     * packages held to the end of the caller's transaction, so that requests racing each other see one another's insert.
     */
    public Uni<Long> lockedBuilding(SqlConnection conn, UUID org) {
        return Rows.lockUntilCommit(conn, "compliance_packages " + org)
                .chain(() -> conn.preparedQuery("SELECT count(*) AS building FROM compliance_packages WHERE status = 'building' AND "
                        + MOVING).execute())
                .map(rows -> first(rows, row -> row.getLong("building")));
    }

    public Uni<Void> insert(SqlConnection conn, UUID id, UUID org, String agentId, Instant from, Instant to, String actor) {
        return conn.preparedQuery("""
                        INSERT INTO compliance_packages (id, org_id, agent_id, range_from, range_to, status, progress,
                            requested_by, requested_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'building', 0, $6, now(), now())""")
                .execute(Tuple.of(id, org, agentId, utc(from), utc(to), actor)).replaceWithVoid();
    }

    /**
     * A package as stored, without its content (which may be tens of megabytes): whether it has one, and whether that
     * is the exact text that was signed (packages since V12).
     */
    public record Stored(PackageResponse response, boolean hasContent, boolean contentAsSigned) {
    }

    public Uni<Stored> find(SqlConnection conn, UUID id) {
        return conn.preparedQuery("""
                        SELECT id, agent_id, range_from, range_to, progress, requested_at, completed_at,
                               NULL::text AS content, content IS NOT NULL AS has_content, content_as_signed, signature, key_id,
                               CASE WHEN %1$s THEN 'failed' ELSE status END AS status,
                               CASE WHEN %1$s THEN 'interrupted: the service stopped, or the database was away, while '
                                   || 'building it; request a new package' ELSE error END AS error
                        FROM compliance_packages WHERE id = $1""".formatted(INTERRUPTED))
                .execute(Tuple.of(id))
                .map(rows -> first(rows, r -> new Stored(response(r), r.getBoolean("has_content"),
                        r.getBoolean("content_as_signed"))));
    }

    /** A package's content as stored (the text that was signed, since V12), or null. */
    public Uni<String> content(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT content::text FROM compliance_packages WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> first(rows, r -> r.getString(0)));
    }

    public Uni<Void> progress(SqlConnection conn, UUID id, int percent) {
        return conn.preparedQuery("UPDATE compliance_packages SET progress = $2, updated_at = now() WHERE id = $1")
                .execute(Tuple.of(id, percent)).replaceWithVoid();
    }

    /**
     * Makes the package ready; false when it is no longer building, or was answered as interrupted already (a package
     * once answered failed never turns ready).
     */
    /** The package built: {@code content} the canonical JSON that was signed, kept as it is; if still building and moving. */
    public Uni<Boolean> ready(SqlConnection conn, UUID id, String content, String signature, String keyId) {
        return conn.preparedQuery("""
                        UPDATE compliance_packages SET status = 'ready', progress = 100, completed_at = now(),
                            updated_at = now(), content = $2::text::json, content_as_signed = true, signature = $3, key_id = $4
                        WHERE id = $1 AND status = 'building' AND %s""".formatted(MOVING))
                .execute(Tuple.of(id, content, signature, keyId)).map(rows -> rows.rowCount() == 1);
    }

    public Uni<Void> failed(SqlConnection conn, UUID id, String error) {
        return conn.preparedQuery("""
                        UPDATE compliance_packages SET status = 'failed', error = $2, updated_at = now()
                        WHERE id = $1 AND status = 'building'""")
                .execute(Tuple.of(id, error)).replaceWithVoid();
    }

    public Uni<AgentState> agentState(SqlConnection conn, String agentId) {
        return conn.preparedQuery("SELECT snapshot::text, declared_intent::text FROM agent_intents WHERE agent_id = $1")
                .execute(Tuple.of(agentId))
                .map(rows -> {
                    AgentState state = first(rows, r -> new AgentState(json(r, "snapshot"), json(r, "declared_intent")));
                    return state == null ? new AgentState(null, null) : state;
                });
    }

    /** The agent's entries of the given action types, its whole history, in chain order. */
    public Uni<List<HistoryEntry>> history(SqlConnection conn, String agentId, Collection<String> actionTypes) {
        return conn.preparedQuery("SELECT sequence, action_type, actor, connector, metadata::text, occurred_at "
                        + "FROM audit_entries WHERE agent_id = $1 AND action_type = ANY ($2) ORDER BY sequence")
                .execute(Tuple.of(agentId, actionTypes.toArray(String[]::new)))
                .map(rows -> all(rows, r -> new HistoryEntry(r.getLong("sequence"), r.getString("action_type"),
                        r.getString("actor"), r.getString("connector"), json(r, "metadata"), instant(r, "occurred_at"))));
    }

    /** The agent's drift events that occurred in {@code [from, to)}, as they appear in a package. */
    public Uni<List<ObjectNode>> drift(SqlConnection conn, String agentId, Instant from, Instant to) {
        return conn.preparedQuery("""
                        SELECT id, drift_type, action_event_id, connector, action, data_type, details::text, occurred_at,
                               detected_at, sequence
                        FROM drift_events WHERE agent_id = $1 AND occurred_at >= $2 AND occurred_at < $3 ORDER BY sequence""")
                .execute(Tuple.of(agentId, utc(from), utc(to)))
                .map(rows -> all(rows, r -> {
                    ObjectNode drift = JsonNodeFactory.instance.objectNode()
                            .put("id", r.getUUID("id").toString()).put("drift_type", r.getString("drift_type"))
                            .put("action_event_id", r.getUUID("action_event_id").toString())
                            .put("connector", r.getString("connector")).put("action", r.getString("action"))
                            .put("data_type", r.getString("data_type")).put("sequence", r.getLong("sequence"))
                            .put("occurred_at", instant(r, "occurred_at").toString());
                    drift.set("details", json(r, "details"));
                    return drift;
                }));
    }

    private static PackageResponse response(Row r) {
        return new PackageResponse(r.getUUID("id"), r.getString("agent_id"), instant(r, "range_from"),
                instant(r, "range_to"), r.getString("status"), r.getInteger("progress"), instant(r, "requested_at"),
                instant(r, "completed_at"), r.getString("error"), r.getString("content"), r.getString("signature"),
                r.getString("key_id"));
    }
}
