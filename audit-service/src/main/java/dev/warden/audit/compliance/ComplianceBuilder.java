package dev.warden.audit.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.audit.chain.AuditRepository;
import dev.warden.audit.checkpoint.CheckpointService;
import dev.warden.audit.checkpoint.SigningKey;
import dev.warden.events.CanonicalJson;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.audit.AuditChain;
import dev.warden.events.audit.AuditEvents.AuditEntry;
import dev.warden.events.audit.AuditEvents.Checkpoint;
import dev.warden.events.audit.AuditEvents.CompliancePackageCreated;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.all;
import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.json;
import static dev.warden.tenancy.db.Rows.jsonText;
import static dev.warden.tenancy.db.Rows.utc;

/**
 * Builds the evidence for one agent over a time range: the agent as it is, its declared intent, its deployments,
 * policies and connectors, its executions and drift, and its audit entries with the chain segment that links them to
 * a signed checkpoint. The package is signed as a whole. It is built off the request thread and reports progress.
 */
@ApplicationScoped
public class ComplianceBuilder {

    static final int MAX_SEGMENT = 200_000;
    private static final Logger LOG = Logger.getLogger(ComplianceBuilder.class);
    private static final List<String> HISTORY = List.of("agent.deployed", "agent.rolled-back", "agent.connector-bound",
            "agent.connector-unbound", "policy.bound", "policy.unbound");

    private final TenantDb db;
    private final AuditRepository audit;
    private final CheckpointService checkpoints;
    private final SigningKey key;
    private final Outbox outbox;

    public ComplianceBuilder(TenantDb db, AuditRepository audit, CheckpointService checkpoints, SigningKey key,
                             Outbox outbox) {
        this.db = db;
        this.audit = audit;
        this.checkpoints = checkpoints;
        this.key = key;
        this.outbox = outbox;
    }

    /** Records the request and starts building; answers the package id at once. */
    public Uni<UUID> request(UUID org, String actor, String agentId, Instant from, Instant to) {
        UUID id = UUID.randomUUID();
        return db.inOrg(org, conn -> conn.preparedQuery("""
                        INSERT INTO compliance_packages (id, org_id, agent_id, range_from, range_to, status, progress,
                            requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, 'building', 0, $6, now())""")
                        .execute(Tuple.of(id, org, agentId, utc(from), utc(to), actor)))
                .invoke(() -> build(org, id, agentId, from, to).subscribe().with(
                        done -> LOG.infof("Compliance package %s is ready", id),
                        failure -> fail(org, id, failure)))
                .replaceWith(id);
    }

    private Uni<Void> build(UUID org, UUID id, String agentId, Instant from, Instant to) {
        ObjectNode pkg = JsonNodeFactory.instance.objectNode();
        pkg.put("id", id.toString()).put("org_id", org.toString()).put("agent_id", agentId)
                .put("from", from.toString()).put("to", to.toString());
        // Each phase commits its progress, so a client polling the package sees it move.
        return db.inOrg(org, conn -> agentState(conn, agentId, pkg).chain(() -> history(conn, agentId, pkg)))
                .chain(() -> progress(org, id, 20))
                .chain(() -> db.inOrg(org, conn -> entries(conn, agentId, from, to, pkg)
                        .chain(() -> drift(conn, agentId, from, to, pkg))))
                .chain(() -> progress(org, id, 50))
                .chain(() -> coveringCheckpoint(org, maxSequence(pkg)))
                .call(checkpoint -> db.inOrg(org, conn -> segment(conn, pkg, checkpoint)))
                .call(checkpoint -> progress(org, id, 80))
                .chain(checkpoint -> db.inOrg(org, conn -> finish(conn, org, id, agentId, from, to, pkg, checkpoint)));
    }

    private Uni<Void> agentState(SqlConnection conn, String agentId, ObjectNode pkg) {
        return conn.preparedQuery("SELECT snapshot::text, declared_intent::text FROM agent_intents WHERE agent_id = $1")
                .execute(Tuple.of(agentId))
                .invoke(rows -> {
                    var row = first(rows, r -> r);
                    pkg.set("agent", row == null ? null : json(row, "snapshot"));
                    pkg.set("declared_intent", row == null ? null : json(row, "declared_intent"));
                }).replaceWithVoid();
    }

    /** Deployments, rollbacks, and the policies and connectors bound to the agent now, from its whole history. */
    private Uni<Void> history(SqlConnection conn, String agentId, ObjectNode pkg) {
        return conn.preparedQuery("SELECT sequence, action_type, actor, connector, metadata::text, occurred_at "
                        + "FROM audit_entries WHERE agent_id = $1 AND action_type = ANY ($2) ORDER BY sequence")
                .execute(Tuple.of(agentId, HISTORY.toArray(String[]::new)))
                .invoke(rows -> {
                    ArrayNode deployments = pkg.putArray("deployments");
                    Map<String, JsonNode> policies = new LinkedHashMap<>();
                    Map<String, JsonNode> connectors = new LinkedHashMap<>();
                    rows.forEach(r -> {
                        JsonNode meta = json(r, "metadata");
                        ObjectNode item = ((ObjectNode) meta.deepCopy()).put("sequence", r.getLong("sequence"))
                                .put("action_type", r.getString("action_type")).put("actor", r.getString("actor"))
                                .put("occurred_at", r.getOffsetDateTime("occurred_at").toInstant().toString());
                        switch (r.getString("action_type")) {
                            case "agent.deployed", "agent.rolled-back" -> deployments.add(item);
                            case "policy.bound" -> policies.put(meta.path("policy_id").asText(), item);
                            case "policy.unbound" -> policies.remove(meta.path("policy_id").asText());
                            case "agent.connector-bound" -> connectors.put(meta.path("binding_id").asText(),
                                    item.put("connector", r.getString("connector")));
                            default -> connectors.remove(meta.path("binding_id").asText());
                        }
                    });
                    pkg.putArray("policies").addAll(policies.values());
                    pkg.putArray("connectors").addAll(connectors.values());
                }).replaceWithVoid();
    }

    private Uni<Void> entries(SqlConnection conn, String agentId, Instant from, Instant to, ObjectNode pkg) {
        return audit.entries(conn, new AuditRepository.EntryFilter(agentId, null, null, null, from, to, null), MAX_SEGMENT, 0)
                .invoke(found -> {
                    ArrayNode entries = pkg.putArray("audit_entries");
                    ArrayNode executions = pkg.putArray("executions");
                    for (AuditEntry e : found) {
                        entries.add(EventJson.MAPPER.valueToTree(e));
                        if (e.eventType().startsWith("dev.warden.execution.")) {
                            executions.add(EventJson.MAPPER.valueToTree(e));
                        }
                    }
                }).replaceWithVoid();
    }

    private Uni<Void> drift(SqlConnection conn, String agentId, Instant from, Instant to, ObjectNode pkg) {
        return conn.preparedQuery("""
                        SELECT id, drift_type, action_event_id, connector, action, data_type, details::text, occurred_at,
                               detected_at, sequence
                        FROM drift_events WHERE agent_id = $1 AND occurred_at >= $2 AND occurred_at < $3 ORDER BY sequence""")
                .execute(Tuple.of(agentId, utc(from), utc(to)))
                .invoke(rows -> {
                    ArrayNode drift = pkg.putArray("drift_events");
                    all(rows, r -> r).forEach(r -> drift.addObject()
                            .put("id", r.getUUID("id").toString()).put("drift_type", r.getString("drift_type"))
                            .put("action_event_id", r.getUUID("action_event_id").toString())
                            .put("connector", r.getString("connector")).put("action", r.getString("action"))
                            .put("data_type", r.getString("data_type")).put("sequence", r.getLong("sequence"))
                            .put("occurred_at", r.getOffsetDateTime("occurred_at").toInstant().toString())
                            .set("details", json(r, "details")));
                }).replaceWithVoid();
    }

    /** The newest checkpoint at or past the last entry of the package; one is signed now when there is none. */
    private Uni<Checkpoint> coveringCheckpoint(UUID org, long sequence) {
        return checkpoints.list(org, 1, null).chain(found -> !found.isEmpty() && found.getFirst().sequence() >= sequence
                ? Uni.createFrom().item(found.getFirst()) : checkpoints.sign(org));
    }

    /** The contiguous chain from the package's first entry to the checkpoint: what proves the entries are in it. */
    private Uni<Void> segment(SqlConnection conn, ObjectNode pkg, Checkpoint checkpoint) {
        JsonNode entries = pkg.get("audit_entries");
        long first = entries.isEmpty() ? checkpoint.sequence() + 1 : entries.get(0).get("sequence").asLong();
        if (checkpoint.sequence() - first + 1 > MAX_SEGMENT) {
            throw new IllegalStateException("the chain from entry " + first + " to the checkpoint is longer than " + MAX_SEGMENT);
        }
        return audit.hashBefore(conn, first).chain(prev -> audit.range(conn, first, checkpoint.sequence()).invoke(segment -> {
            ObjectNode proof = pkg.putObject("chain_proof");
            proof.put("from_sequence", first).put("to_sequence", checkpoint.sequence()).put("prev_hash", prev);
            ArrayNode list = proof.putArray("entries");
            segment.forEach(e -> list.add(EventJson.MAPPER.valueToTree(e)));
            pkg.set("checkpoint", EventJson.MAPPER.valueToTree(checkpoint));
            pkg.put("public_key", key.publicKeyBase64());
        })).replaceWithVoid();
    }

    private Uni<Void> finish(SqlConnection conn, UUID org, UUID id, String agentId, Instant from, Instant to,
                             ObjectNode pkg, Checkpoint checkpoint) {
        pkg.put("generated_at", AuditChain.micros(Instant.now()).toString());
        byte[] content = CanonicalJson.canonical(pkg).getBytes(StandardCharsets.UTF_8);
        String signature = key.sign(content);
        CompliancePackageCreated created = new CompliancePackageCreated(id, org, agentId, from, to,
                pkg.get("audit_entries").size(), pkg.get("drift_events").size(), checkpoint.sequence(),
                CanonicalJson.sha256Hex(content), key.keyId());
        return conn.preparedQuery("""
                        UPDATE compliance_packages SET status = 'ready', progress = 100, completed_at = now(),
                            content = $2::text::jsonb, signature = $3, key_id = $4 WHERE id = $1""")
                .execute(Tuple.of(id, jsonText(pkg), signature, key.keyId()))
                .chain(() -> outbox.emit(conn, org, EventTypes.AUDIT_COMPLIANCE_PACKAGE_CREATED, agentId, org.toString(), created))
                .replaceWithVoid();
    }

    private Uni<Void> progress(UUID org, UUID id, int percent) {
        return db.inOrg(org, conn -> conn.preparedQuery("UPDATE compliance_packages SET progress = $2 WHERE id = $1")
                .execute(Tuple.of(id, percent))).replaceWithVoid();
    }

    private void fail(UUID org, UUID id, Throwable failure) {
        LOG.warnf("Compliance package %s failed: %s", id, failure.getMessage());
        db.inOrg(org, conn -> conn.preparedQuery("UPDATE compliance_packages SET status = 'failed', error = $2 WHERE id = $1")
                .execute(Tuple.of(id, String.valueOf(failure.getMessage())))).subscribe().with(r -> { }, e -> { });
    }

    private static long maxSequence(ObjectNode pkg) {
        JsonNode entries = pkg.get("audit_entries");
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).get("sequence").asLong();
    }
}
