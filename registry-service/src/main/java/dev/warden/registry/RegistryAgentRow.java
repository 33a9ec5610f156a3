package dev.warden.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.mutiny.sqlclient.Row;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.json;

/**
 * One agent of the projection with its kept counts: what the three seeds' listings are made from. {@link #COLUMNS}
 * from {@link #FROM} reads it; each seed's wire type picks its own fields.
 */
public record RegistryAgentRow(UUID agentId, long seq, String name, String description, String status, String rawStatus,
                               String runtime,
                               int version, String ownerId, String agentType, JsonNode riskConfig, JsonNode capabilities,
                               JsonNode mcpIntegration, JsonNode notifications, List<String> tags, JsonNode metadata,
                               Instant createdAt, String createdBy, Instant updatedAt, String updatedBy,
                               Instant approvedAt, String approvedBy, String did, String publicKey,
                               List<String> grantedCapabilities, UUID realm, String llmProvider, String llmModel,
                               String llmSystemPrompt, int instancesOnline, Instant lastSeen, int connectorCount,
                               int policyCount, long auditActionCount, long driftEventCount, long compliancePackageCount,
                               Instant lastActivity) {

    /**
     * The ORDER BY of a listing by name, as a person reads names: without regard to case, then by case, so the order is
     * whole (by PostgreSQL's byte order alone, every capitalised name came before every lower-case one).
     */
    public static String byName(boolean descending) {
        String direction = descending ? " DESC" : "";
        return "lower(a.name)" + direction + ", a.name" + direction;
    }

    public static final String FROM = """
            registry_agents a LEFT JOIN registry_agent_stats s ON s.org_id = a.org_id AND s.agent_id = a.agent_id""";

    /**
     * Seed 000's status: {@code error} when an active agent's newest execution failed, or it has fleet instances and
     * none of them is online or stale; else the agent's own status.
     */
    public static final String EFFECTIVE_STATUS = """
            CASE WHEN a.status = 'active' AND (s.last_execution_status IN ('failure', 'timeout', 'oom', 'error')
                 OR (coalesce(s.instances_offline, 0) > 0 AND coalesce(s.instances_online, 0) + coalesce(s.instances_stale, 0) = 0))
            THEN 'error' ELSE a.status END""";

    /**
     * {@code updated_since}: the agent's entry changed at or after it, its snapshot or any of its kept counts (the
     * database stamps both rows on every write, V3__changed_at); with a {@code ?} for the time.
     */
    public static final String CHANGED_SINCE = "greatest(a.changed_at, s.changed_at) >= ?";

    public static final String COLUMNS = """
            a.agent_id, a.seq, a.name, a.description, """ + EFFECTIVE_STATUS + """
             AS effective_status, a.status, a.runtime, a.version, a.owner_id, a.agent_type,
            a.risk_config::text, a.capabilities::text, a.mcp_integration::text, a.notifications::text, a.tags,
            a.metadata::text, a.created_at, a.created_by, a.updated_at, a.updated_by, a.approved_at, a.approved_by, a.did,
            a.public_key, a.granted_capabilities, a.realm, a.llm_provider, a.llm_model, a.llm_system_prompt,
            coalesce(s.instances_online, 0) AS instances_online, s.last_seen, coalesce(s.connector_count, 0) AS connector_count,
            coalesce(s.policy_count, 0) AS policy_count, coalesce(s.audit_action_count, 0) AS audit_action_count,
            coalesce(s.drift_event_count, 0) AS drift_event_count,
            coalesce(s.compliance_package_count, 0) AS compliance_package_count, s.last_activity""";

    /**
     * {@link #COLUMNS} without what only an agent's own answer shows (capabilities, notifications, metadata, the
     * system prompt; of mcp_integration only is_mcp_server): what a listing of up to 500 reads. With every column a
     * user trial's page of 500 agents of 396 KB was 200 MB in registry-service's heap, and three at once took it down.
     */
    public static final String LIST_COLUMNS = COLUMNS
            .replace("a.capabilities::text", "NULL::text AS capabilities")
            .replace("a.mcp_integration::text", "jsonb_build_object('is_mcp_server', a.mcp_integration -> 'is_mcp_server')::text"
                    + " AS mcp_integration")
            .replace("a.notifications::text", "NULL::text AS notifications")
            .replace("a.metadata::text", "NULL::text AS metadata")
            .replace("a.llm_system_prompt", "NULL::text AS llm_system_prompt");

    public static RegistryAgentRow of(Row row) {
        return new RegistryAgentRow(row.getUUID("agent_id"), row.getLong("seq"), row.getString("name"),
                row.getString("description"), row.getString("effective_status"), row.getString("status"), row.getString("runtime"),
                row.getInteger("version"), row.getString("owner_id"), row.getString("agent_type"),
                json(row, "risk_config"), json(row, "capabilities"), json(row, "mcp_integration"),
                json(row, "notifications"), List.of(row.getArrayOfStrings("tags")), json(row, "metadata"),
                instant(row, "created_at"), row.getString("created_by"), instant(row, "updated_at"),
                row.getString("updated_by"), instant(row, "approved_at"), row.getString("approved_by"), row.getString("did"),
                row.getString("public_key"), List.of(row.getArrayOfStrings("granted_capabilities")), row.getUUID("realm"),
                row.getString("llm_provider"), row.getString("llm_model"), row.getString("llm_system_prompt"),
                row.getInteger("instances_online"), instant(row, "last_seen"), row.getInteger("connector_count"),
                row.getInteger("policy_count"), row.getLong("audit_action_count"), row.getLong("drift_event_count"),
                row.getLong("compliance_package_count"), instant(row, "last_activity"));
    }

    public boolean online() {
        return instancesOnline > 0;
    }
}
