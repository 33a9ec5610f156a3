package dev.warden.registry.projection;

import dev.warden.events.agent.AgentEvents.Realm;
import dev.warden.events.agent.AgentSnapshot;
import dev.warden.registry.overview.RegistryChanges;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.jsonText;
import static dev.warden.tenancy.db.Rows.utc;

/**
 * Every write of the projection. Each is idempotent on its own (a revision, a set membership or a sequence decides),
 * so a redelivered event changes nothing. Row-Level Security scopes every statement to the transaction's organization.
 */
@ApplicationScoped
public class ProjectionRepository {

    /**
     * Within the projector's transaction: the organization's registry changed; every replica hears it on commit
     * ({@link RegistryChanges} LISTENs, and sets its kept answers aside).
     */
    public Uni<Void> announce(SqlConnection conn, UUID org) {
        return conn.preparedQuery("SELECT pg_notify('" + RegistryChanges.CHANNEL + "', $1)").execute(Tuple.of(org.toString()))
                .replaceWithVoid();
    }

    /**
     * The first statement of every transaction that applies events: waits while a rebuild empties the projection, then
     * fails (a serialization failure, retried and never dead-lettered) unless {@code generation} is the projection's.
     */
    public Uni<Void> fence(SqlConnection conn, long generation) {
        return conn.preparedQuery("SELECT registry_fence($1)").execute(Tuple.of(generation)).replaceWithVoid();
    }

    /**
     * Inserts the agent, or replaces it when {@code a} has a higher revision than the stored one. A new agent takes the
     * next of its organization's numbers (seed 002's id, {@code registry_agent_numbers}); a known one draws none.
     */
    public Uni<Void> upsertAgent(SqlConnection conn, AgentSnapshot a) {
        return conn.preparedQuery("""
                        WITH numbered AS (
                            INSERT INTO registry_agent_numbers AS n (org_id, last)
                            SELECT $1, 1 WHERE NOT EXISTS (SELECT 1 FROM registry_agents WHERE org_id = $1 AND agent_id = $2)
                            ON CONFLICT (org_id) DO UPDATE SET last = n.last + 1
                            RETURNING last)
                        INSERT INTO registry_agents (org_id, agent_id, revision, name, description, status, runtime, version,
                            owner_id, agent_type, risk_config, capabilities, mcp_integration, notifications, tags, metadata,
                            created_at, created_by, updated_at, updated_by, approved_at, approved_by, did, public_key,
                            granted_capabilities, realm, llm_provider, llm_model, llm_system_prompt, seq)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text::jsonb, $12::text::jsonb,
                            $13::text::jsonb, $14::text::jsonb, $15, $16::text::jsonb, $17, $18, $19, $20, $21, $22, $23,
                            $24, $25, $26, $27, $28, $29, COALESCE((SELECT last FROM numbered), 0))
                        ON CONFLICT (org_id, agent_id) DO UPDATE SET revision = excluded.revision, name = excluded.name,
                            description = excluded.description, status = excluded.status, runtime = excluded.runtime,
                            version = excluded.version, owner_id = excluded.owner_id, agent_type = excluded.agent_type,
                            risk_config = excluded.risk_config, capabilities = excluded.capabilities,
                            mcp_integration = excluded.mcp_integration, notifications = excluded.notifications,
                            tags = excluded.tags, metadata = excluded.metadata, created_at = excluded.created_at,
                            created_by = excluded.created_by, updated_at = excluded.updated_at,
                            updated_by = excluded.updated_by, approved_at = excluded.approved_at,
                            approved_by = excluded.approved_by, did = excluded.did, public_key = excluded.public_key,
                            granted_capabilities = excluded.granted_capabilities, realm = excluded.realm,
                            llm_provider = excluded.llm_provider, llm_model = excluded.llm_model,
                            llm_system_prompt = excluded.llm_system_prompt
                        WHERE registry_agents.revision < excluded.revision""")
                .execute(Tuple.from(Arrays.asList(a.orgId(), a.id(), a.revision(), a.name(), a.description(),
                        a.status().toString(), a.runtime(), a.version(), a.ownerId(), a.agentType().toString(),
                        jsonText(a.riskConfig()), jsonText(a.capabilities()), jsonText(a.mcpIntegration()),
                        jsonText(a.notifications()), a.tags().toArray(String[]::new), jsonText(a.metadata()),
                        utc(a.createdAt()), a.createdBy(), utc(a.updatedAt()), a.updatedBy(), utc(a.approvedAt()),
                        a.approvedBy(), a.did(), a.publicKey(),
                        (a.grantedCapabilities() == null ? java.util.List.<String>of() : a.grantedCapabilities()).toArray(String[]::new),
                        a.realm(), a.llmProvider(), a.llmModel(), a.llmSystemPrompt())))
                .replaceWithVoid();
    }

    /** Adds a connector binding; counts it only when it is new. */
    public Uni<Void> bindConnector(SqlConnection conn, UUID org, UUID agent, UUID binding) {
        return conn.preparedQuery("""
                        WITH added AS (INSERT INTO registry_connectors (org_id, binding_id, agent_id) VALUES ($1, $2, $3)
                                       ON CONFLICT DO NOTHING RETURNING agent_id)
                        INSERT INTO registry_agent_stats (org_id, agent_id, connector_count)
                        SELECT $1, agent_id, 1 FROM added
                        ON CONFLICT (org_id, agent_id) DO UPDATE
                            SET connector_count = registry_agent_stats.connector_count + 1""")
                .execute(Tuple.of(org, binding, agent)).replaceWithVoid();
    }

    public Uni<Void> unbindConnector(SqlConnection conn, UUID org, UUID binding) {
        return conn.preparedQuery("""
                        WITH removed AS (DELETE FROM registry_connectors WHERE org_id = $1 AND binding_id = $2
                                         RETURNING agent_id)
                        UPDATE registry_agent_stats SET connector_count = connector_count - 1
                        WHERE org_id = $1 AND agent_id IN (SELECT agent_id FROM removed)""")
                .execute(Tuple.of(org, binding)).replaceWithVoid();
    }

    public Uni<Void> bindPolicy(SqlConnection conn, UUID org, UUID agent, UUID policy) {
        return conn.preparedQuery("""
                        WITH added AS (INSERT INTO registry_policy_bindings (org_id, policy_id, agent_id) VALUES ($1, $2, $3)
                                       ON CONFLICT DO NOTHING RETURNING agent_id)
                        INSERT INTO registry_agent_stats (org_id, agent_id, policy_count)
                        SELECT $1, agent_id, 1 FROM added
                        ON CONFLICT (org_id, agent_id) DO UPDATE SET policy_count = registry_agent_stats.policy_count + 1""")
                .execute(Tuple.of(org, policy, agent)).replaceWithVoid();
    }

    public Uni<Void> unbindPolicy(SqlConnection conn, UUID org, UUID agent, UUID policy) {
        return conn.preparedQuery("""
                        WITH removed AS (DELETE FROM registry_policy_bindings
                                         WHERE org_id = $1 AND policy_id = $2 AND agent_id = $3 RETURNING agent_id)
                        UPDATE registry_agent_stats SET policy_count = policy_count - 1
                        WHERE org_id = $1 AND agent_id IN (SELECT agent_id FROM removed)""")
                .execute(Tuple.of(org, policy, agent)).replaceWithVoid();
    }

    /** How far the organization's audit chain has been counted (0: nothing yet). */
    public Uni<Long> auditProgress(SqlConnection conn) {
        return conn.query("SELECT sequence FROM registry_audit_progress").execute()
                .map(rows -> {
                    Long found = first(rows, row -> row.getLong("sequence"));
                    return found == null ? 0L : found;
                });
    }

    public Uni<Void> setAuditProgress(SqlConnection conn, UUID org, long sequence) {
        return conn.preparedQuery("""
                        INSERT INTO registry_audit_progress (org_id, sequence) VALUES ($1, $2)
                        ON CONFLICT (org_id) DO UPDATE SET sequence = greatest(registry_audit_progress.sequence, excluded.sequence)""")
                .execute(Tuple.of(org, sequence)).replaceWithVoid();
    }

    /**
     * Adds each agent's new audit entries to its count, and moves its last activity to the newest of them: one
     * statement for a polled batch (each agent once), so counting costs one round trip however many agents acted.
     */
    public Uni<Void> countEntries(SqlConnection conn, UUID org, Map<UUID, Long> entries, Map<UUID, Instant> newest) {
        UUID[] agents = entries.keySet().toArray(UUID[]::new);
        Long[] counts = new Long[agents.length];
        OffsetDateTime[] last = new OffsetDateTime[agents.length];
        for (int i = 0; i < agents.length; i++) {
            counts[i] = entries.get(agents[i]);
            last[i] = utc(newest.get(agents[i]));
        }
        return conn.preparedQuery("""
                        INSERT INTO registry_agent_stats (org_id, agent_id, audit_action_count, last_activity)
                        SELECT $1, agent, entries, newest FROM unnest($2::uuid[], $3::bigint[], $4::timestamptz[])
                            AS c(agent, entries, newest)
                        ON CONFLICT (org_id, agent_id) DO UPDATE
                            SET audit_action_count = registry_agent_stats.audit_action_count + excluded.audit_action_count,
                                last_activity = greatest(registry_agent_stats.last_activity, excluded.last_activity)""")
                .execute(Tuple.of(org, agents, counts, last)).replaceWithVoid();
    }

    public Uni<Void> addDrift(SqlConnection conn, UUID org, UUID id, UUID agent, Instant occurredAt) {
        return conn.preparedQuery("""
                        WITH added AS (INSERT INTO registry_drift (org_id, id, agent_id, occurred_at) VALUES ($1, $2, $3, $4)
                                       ON CONFLICT DO NOTHING RETURNING agent_id, occurred_at)
                        INSERT INTO registry_agent_stats (org_id, agent_id, drift_event_count, last_drift_at)
                        SELECT $1, agent_id, 1, occurred_at FROM added
                        ON CONFLICT (org_id, agent_id) DO UPDATE
                            SET drift_event_count = registry_agent_stats.drift_event_count + 1,
                                last_drift_at = greatest(registry_agent_stats.last_drift_at, excluded.last_drift_at)""")
                .execute(Tuple.of(org, id, agent, utc(occurredAt))).replaceWithVoid();
    }

    public Uni<Void> addCompliancePackage(SqlConnection conn, UUID org, UUID id, UUID agent) {
        return conn.preparedQuery("""
                        WITH added AS (INSERT INTO registry_compliance (org_id, id, agent_id) VALUES ($1, $2, $3)
                                       ON CONFLICT DO NOTHING RETURNING agent_id)
                        INSERT INTO registry_agent_stats (org_id, agent_id, compliance_package_count)
                        SELECT $1, agent_id, 1 FROM added
                        ON CONFLICT (org_id, agent_id) DO UPDATE
                            SET compliance_package_count = registry_agent_stats.compliance_package_count + 1""")
                .execute(Tuple.of(org, id, agent)).replaceWithVoid();
    }

    public Uni<Void> upsertRealm(SqlConnection conn, Realm realm) {
        return conn.preparedQuery("""
                        INSERT INTO registry_realms (org_id, id, name, slug, color) VALUES ($1, $2, $3, $4, $5)
                        ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name, slug = excluded.slug, color = excluded.color""")
                .execute(Tuple.of(realm.orgId(), realm.id(), realm.name(), realm.slug(), realm.color()))
                .chain(() -> touchRealmAgents(conn, realm.orgId(), realm.id()));
    }

    public Uni<Void> deleteRealm(SqlConnection conn, UUID org, UUID id) {
        return conn.preparedQuery("DELETE FROM registry_realms WHERE id = $1").execute(Tuple.of(id))
                .chain(() -> touchRealmAgents(conn, org, id));
    }

    /**
     * The realm's agents changed too: the directory shows each with its realm's name and color, so a client syncing
     * with updated_since must meet them again (it kept the old name). The trigger of V3 sets their changed_at.
     */
    private Uni<Void> touchRealmAgents(SqlConnection conn, UUID org, UUID realm) {
        return conn.preparedQuery("UPDATE registry_agents SET realm = realm WHERE org_id = $1 AND realm = $2")
                .execute(Tuple.of(org, realm)).replaceWithVoid();
    }

    public Uni<Void> addPendingRegistration(SqlConnection conn, UUID org, UUID id, String name, Instant requestedAt) {
        return conn.preparedQuery("""
                        INSERT INTO registry_pending_registrations (org_id, id, name, requested_at) VALUES ($1, $2, $3, $4)
                        ON CONFLICT DO NOTHING""")
                .execute(Tuple.of(org, id, name, utc(requestedAt))).replaceWithVoid();
    }

    public Uni<Void> removePendingRegistration(SqlConnection conn, UUID id) {
        return conn.preparedQuery("DELETE FROM registry_pending_registrations WHERE id = $1").execute(Tuple.of(id))
                .replaceWithVoid();
    }

    /** The agent's newest finished execution; an older one than stored changes nothing. */
    public Uni<Void> executionFinished(SqlConnection conn, UUID org, UUID agent, String status, Instant finishedAt) {
        return conn.preparedQuery("""
                        INSERT INTO registry_agent_stats (org_id, agent_id, last_execution_status, last_execution_at)
                        VALUES ($1, $2, $3, $4)
                        ON CONFLICT (org_id, agent_id) DO UPDATE
                            SET last_execution_status = excluded.last_execution_status,
                                last_execution_at = excluded.last_execution_at
                        WHERE registry_agent_stats.last_execution_at IS NULL
                           OR registry_agent_stats.last_execution_at < excluded.last_execution_at""")
                .execute(Tuple.of(org, agent, status, utc(finishedAt))).replaceWithVoid();
    }

    /** The instance as its transition left it; a transition older than the stored one changes nothing. */
    public Uni<Void> instanceChanged(SqlConnection conn, UUID org, String instance, UUID agent, String state,
                                     Instant lastHeartbeat, Instant at) {
        return conn.preparedQuery("""
                        INSERT INTO registry_instances (org_id, instance_id, agent_id, state, last_heartbeat, at)
                        VALUES ($1, $2, $3, $4, $5, $6)
                        ON CONFLICT (org_id, instance_id) DO UPDATE SET agent_id = excluded.agent_id, state = excluded.state,
                            last_heartbeat = greatest(registry_instances.last_heartbeat, excluded.last_heartbeat),
                            at = excluded.at
                        WHERE registry_instances.at <= excluded.at""")
                .execute(Tuple.of(org, instance, agent, state, utc(lastHeartbeat), utc(at))).replaceWithVoid();
    }

    /** A summary of an online instance: its newest heartbeat, never its state (transitions decide that). */
    public Uni<Void> instanceSeen(SqlConnection conn, UUID org, String instance, UUID agent, Instant lastHeartbeat,
                                  Instant at) {
        return conn.preparedQuery("""
                        INSERT INTO registry_instances (org_id, instance_id, agent_id, state, last_heartbeat, at)
                        VALUES ($1, $2, $3, 'online', $4, $5)
                        ON CONFLICT (org_id, instance_id) DO UPDATE
                            SET last_heartbeat = greatest(registry_instances.last_heartbeat, excluded.last_heartbeat)""")
                .execute(Tuple.of(org, instance, agent, utc(lastHeartbeat), utc(at))).replaceWithVoid();
    }

    /**
     * The agent's instances by liveness and its newest heartbeat, from the instances the projection holds. A
     * deregistered instance no longer counts, but its heartbeats still happened: {@code last_seen} keeps them.
     */
    public Uni<Void> refreshInstances(SqlConnection conn, UUID org, UUID agent) {
        return conn.preparedQuery("""
                        INSERT INTO registry_agent_stats (org_id, agent_id, instances_online, instances_stale,
                            instances_offline, last_seen)
                        SELECT $1, $2, count(*) FILTER (WHERE state = 'online'), count(*) FILTER (WHERE state = 'stale'),
                            count(*) FILTER (WHERE state = 'offline'), max(last_heartbeat)
                        FROM registry_instances WHERE org_id = $1 AND agent_id = $2
                        ON CONFLICT (org_id, agent_id) DO UPDATE SET instances_online = excluded.instances_online,
                            instances_stale = excluded.instances_stale, instances_offline = excluded.instances_offline,
                            last_seen = excluded.last_seen""")
                .execute(Tuple.of(org, agent)).replaceWithVoid();
    }
}
