package dev.warden.agent.lifecycle;

import dev.warden.api.Checks;
import dev.warden.api.PageRequest;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.tenancy.db.ListQuery.Page;
import dev.warden.events.agent.AgentStatus;
import dev.warden.events.agent.AgentType;
import dev.warden.events.agent.AgentVersion;
import dev.warden.events.agent.Capabilities;
import dev.warden.events.agent.McpIntegration;
import dev.warden.events.agent.Notifications;
import dev.warden.events.agent.RiskConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static dev.warden.tenancy.db.Rows.all;
import static dev.warden.tenancy.db.Rows.first;
import static dev.warden.tenancy.db.Rows.instant;
import static dev.warden.tenancy.db.Rows.json;
import static dev.warden.tenancy.db.Rows.jsonText;
import static dev.warden.tenancy.db.Rows.utc;

/**
 * Agents and their versions. No query here filters on org_id: Row-Level Security scopes every statement to the
 * organization of the transaction (see {@code TenantDb}).
 */
@ApplicationScoped
public class AgentRepository {

    /** The unique index that keeps an agent's public key to one agent in the organization (V5__registrations). */
    public static final String PUBLIC_KEY_INDEX = "agents_org_public_key";

    /** An agent's columns, in the order {@link #agent(Row)} reads them. */
    private static final String COLUMNS = """
            id, org_id, name, description, owner_id, runtime, image_uri, status, version, declared_intent::text,
            declared_intent_signed_by, declared_intent_signed_at, declared_intent_digest, agent_type, risk_config::text,
            capabilities::text, mcp_integration::text, notifications::text, tags, metadata::text, revision, created_at,
            created_by, updated_at, updated_by, did, public_key, granted_capabilities, approved_at, approved_by, realm,
            llm_provider, llm_model, llm_system_prompt, declared_intent_jws, intent_signed_iat""";

    /**
     * What a caller wrote of an agent at length: a list's page ends before 8 MB of it (ListQuery.sizedBy). Each column's
     * length as stored, added up (PostgreSQL reads a value's length from its header, without building a string: a
     * concat of the columns cost more); the tags joined, as an array's pg_column_size is its compressed size, which
     * repeated text makes small (a fleet list so sized was never cut). Sized only past 128 agents a page (64 KB each): an agent may hold more (its
     * limits count characters, a system prompt of 16,000 may be 48 KB), so an unsized page of 100 to 128 holds at most
     * about 20 MB; the default page of 100 pays nothing.
     */
    private static final String FREE_FORM = """
            coalesce(octet_length(description), 0) + coalesce(octet_length(declared_intent::text), 0)
            + octet_length(capabilities::text) + octet_length(metadata::text) + coalesce(octet_length(array_to_string(tags, '')), 0)
            + coalesce(octet_length(llm_system_prompt), 0) + coalesce(octet_length(declared_intent_jws), 0)""";

    public Uni<Agent> findById(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + COLUMNS + " FROM agents WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> first(rows, AgentRepository::agent));
    }

    /** Reads the agent and locks it until the transaction ends, so its changes and events are serialized. */
    public Uni<Agent> lockById(SqlConnection conn, UUID id) {
        return conn.preparedQuery("SELECT " + COLUMNS + " FROM agents WHERE id = $1 FOR UPDATE").execute(Tuple.of(id))
                .map(rows -> first(rows, AgentRepository::agent));
    }

    public Uni<Page<Agent>> list(SqlConnection conn, PageRequest page, AgentStatus status) {
        ListQuery query = ListQuery.select(COLUMNS, "agents")
                .sizedBy(FREE_FORM, 64 * 1024)
                .whereEquals("status", status == null ? null : status.toString())
                .updatedSince("updated_at", page.updatedSince())
                .byTimeAfter("created_at", "id", page.after());
        if (page.updatedSince() == null) {
            // agent_counts is kept by a trigger as agents come, go and change status (migration V3).
            query.totalFrom("SELECT coalesce(sum(n), 0)::bigint FROM agent_counts WHERE status = coalesce(?, status)",
                    status == null ? null : status.toString());
        }
        return query.page(conn, page.limit(), AgentRepository::agent);
    }

    public Uni<Void> insert(SqlConnection conn, Agent a) {
        return conn.preparedQuery("""
                        INSERT INTO agents (id, org_id, name, description, owner_id, runtime, image_uri, status, version,
                            declared_intent, declared_intent_signed_by, declared_intent_signed_at, declared_intent_digest,
                            agent_type, risk_config, capabilities, mcp_integration, notifications, tags, metadata,
                            revision, created_at, created_by, updated_at, updated_by, did, public_key, granted_capabilities,
                            approved_at, approved_by, realm, llm_provider, llm_model, llm_system_prompt, declared_intent_jws,
                            intent_signed_iat)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::json, $11, $12, $13, $14, $15::text::json, $16::text::json,
                            $17::text::json, $18::text::json, $19, $20::text::json, $21, $22, $23, $24, $25, $26, $27, $28,
                            $29, $30, $31, $32, $33, $34, $35, $36)""")
                .execute(Tuple.from(Arrays.asList(a.id, a.orgId, a.name, a.description, a.ownerId, a.runtime,
                        a.imageUri, a.status.toString(), a.version, jsonText(a.declaredIntent), a.declaredIntentSignedBy,
                        utc(a.declaredIntentSignedAt), a.declaredIntentDigest, a.agentType.toString(),
                        jsonText(a.riskConfig), jsonText(a.capabilities), jsonText(a.mcpIntegration), jsonText(a.notifications),
                        a.tags.toArray(String[]::new), jsonText(a.metadata), a.revision, utc(a.createdAt), a.createdBy,
                        utc(a.updatedAt), a.updatedBy, a.did, a.publicKey, a.grantedCapabilities.toArray(String[]::new),
                        utc(a.approvedAt), a.approvedBy, a.realm, a.llmProvider, a.llmModel, a.llmSystemPrompt,
                        a.declaredIntentJws, a.intentSignedIat)))
                .replaceWithVoid();
    }

    public Uni<Void> update(SqlConnection conn, Agent a) {
        return conn.preparedQuery("""
                        UPDATE agents SET name = $2, description = $3, runtime = $4, image_uri = $5, status = $6,
                            version = $7, declared_intent = $8::text::json, declared_intent_signed_by = $9,
                            declared_intent_signed_at = $10, declared_intent_digest = $11, agent_type = $12,
                            risk_config = $13::text::json, capabilities = $14::text::json, mcp_integration = $15::text::json,
                            notifications = $16::text::json, tags = $17, metadata = $18::text::json, revision = $19,
                            updated_at = $20, updated_by = $21, realm = $22, llm_provider = $23, llm_model = $24,
                            llm_system_prompt = $25, declared_intent_jws = $26, intent_signed_iat = $27
                        WHERE id = $1""")
                .execute(Tuple.from(Arrays.asList(a.id, a.name, a.description, a.runtime, a.imageUri,
                        a.status.toString(), a.version, jsonText(a.declaredIntent), a.declaredIntentSignedBy,
                        utc(a.declaredIntentSignedAt), a.declaredIntentDigest, a.agentType.toString(),
                        jsonText(a.riskConfig), jsonText(a.capabilities), jsonText(a.mcpIntegration), jsonText(a.notifications),
                        a.tags.toArray(String[]::new), jsonText(a.metadata), a.revision, utc(a.updatedAt), a.updatedBy,
                        a.realm, a.llmProvider, a.llmModel, a.llmSystemPrompt, a.declaredIntentJws, a.intentSignedIat)))
                .replaceWithVoid();
    }

    public Uni<Void> insertVersion(SqlConnection conn, UUID orgId, AgentVersion v) {
        return conn.preparedQuery("""
                        INSERT INTO agent_versions (id, org_id, agent_id, version, image_uri, config, deployed_by, notes,
                            created_at, secrets_checked)
                        VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7, $8, $9, $10)""")
                // secrets_checked: the service checked the config as it came in (Checks.noSecrets)
                .execute(Tuple.from(Arrays.asList(v.id(), orgId, v.agentId(), v.version(), v.imageUri(),
                        jsonText(v.config()), v.deployedBy(), v.notes(), utc(v.createdAt()), Checks.SECRET_RULES_REVISION)))
                .replaceWithVoid();
    }

    public Uni<Integer> highestVersion(SqlConnection conn, UUID agentId) {
        return conn.preparedQuery("SELECT coalesce(max(version), 0) FROM agent_versions WHERE agent_id = $1")
                .execute(Tuple.of(agentId))
                .map(rows -> rows.iterator().next().getInteger(0));
    }

    public Uni<AgentVersion> findVersion(SqlConnection conn, UUID agentId, int version) {
        return conn.preparedQuery("SELECT " + VERSION_COLUMNS + " FROM agent_versions WHERE agent_id = $1 AND version = $2")
                .execute(Tuple.of(agentId, version))
                .map(rows -> first(rows, AgentRepository::version));
    }

    /** Newest first; the cursor's position is the version number. */
    public Uni<Page<AgentVersion>> listVersions(SqlConnection conn, UUID agentId, PageRequest page) {
        return ListQuery.select(VERSION_COLUMNS, "agent_versions")
                .sizedBy("octet_length(config::text)", AgentVersion.MAX_CONFIG_BYTES)
                .where("agent_id = ?", agentId)
                .updatedSince("created_at", page.updatedSince())
                .byNumberAfter("version", page.after() == null ? null : page.after().version(), true)
                .page(conn, page.limit(), AgentRepository::version);
    }

    private static final String VERSION_COLUMNS = "id, agent_id, version, image_uri, config::text, deployed_by, notes, created_at";

    /** By position, in the order of {@link #COLUMNS} (see {@code Rows}: a page of 100 agents reads 3,500 values). */
    private static Agent agent(Row row) {
        Agent a = new Agent();
        a.id = row.getUUID(0);
        a.orgId = row.getUUID(1);
        a.name = row.getString(2);
        a.description = row.getString(3);
        a.ownerId = row.getString(4);
        a.runtime = row.getString(5);
        a.imageUri = row.getString(6);
        a.status = AgentStatus.valueOf(row.getString(7).toUpperCase());
        a.version = row.getInteger(8);
        a.declaredIntent = json(row, 9);
        a.declaredIntentSignedBy = row.getString(10);
        a.declaredIntentSignedAt = instant(row, 11);
        a.declaredIntentDigest = row.getString(12);
        a.agentType = AgentType.valueOf(row.getString(13).toUpperCase());
        a.riskConfig = json(row, 14, RiskConfig.class);
        a.capabilities = json(row, 15, Capabilities.class);
        a.mcpIntegration = json(row, 16, McpIntegration.class);
        a.notifications = json(row, 17, Notifications.class);
        a.tags = List.of(row.getArrayOfStrings(18));
        a.metadata = json(row, 19);
        a.revision = row.getLong(20);
        a.createdAt = instant(row, 21);
        a.createdBy = row.getString(22);
        a.updatedAt = instant(row, 23);
        a.updatedBy = row.getString(24);
        a.did = row.getString(25);
        a.publicKey = row.getString(26);
        a.grantedCapabilities = List.of(row.getArrayOfStrings(27));
        a.approvedAt = instant(row, 28);
        a.approvedBy = row.getString(29);
        a.realm = row.getUUID(30);
        a.llmProvider = row.getString(31);
        a.llmModel = row.getString(32);
        a.llmSystemPrompt = row.getString(33);
        a.declaredIntentJws = row.getString(34);
        a.intentSignedIat = row.getLong(35);
        return a;
    }

    /** By position, in the order of {@link #VERSION_COLUMNS}. */
    private static AgentVersion version(Row row) {
        return new AgentVersion(row.getUUID(0), row.getUUID(1), row.getInteger(2), row.getString(3), json(row, 4),
                row.getString(5), row.getString(6), instant(row, 7));
    }
}
