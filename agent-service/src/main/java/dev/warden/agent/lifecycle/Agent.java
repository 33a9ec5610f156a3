package dev.warden.agent.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.warden.events.agent.AgentSnapshot;
import dev.warden.events.agent.AgentStatus;
import dev.warden.events.agent.AgentType;
import dev.warden.events.agent.Capabilities;
import dev.warden.events.agent.McpIntegration;
import dev.warden.events.agent.Notifications;
import dev.warden.events.agent.RiskConfig;
import dev.warden.tenancy.db.Rows;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A governed agent: defined, approved, versioned. Changed only through {@code AgentService}. */
public class Agent {

    public UUID id;
    public UUID orgId;
    public String name;
    public String description;
    public String ownerId;
    public String runtime;
    public String imageUri;
    public AgentStatus status;
    public int version;
    public JsonNode declaredIntent;
    public String declaredIntentSignedBy;
    public Instant declaredIntentSignedAt;
    public String declaredIntentDigest;
    public AgentType agentType;
    public RiskConfig riskConfig;
    public Capabilities capabilities;
    public McpIntegration mcpIntegration;
    public Notifications notifications;
    public List<String> tags;
    public JsonNode metadata;
    public long revision;
    public Instant createdAt;
    public String createdBy;
    public Instant updatedAt;
    public String updatedBy;
    public String did;
    public String publicKey;
    public List<String> grantedCapabilities;
    public Instant approvedAt;
    public String approvedBy;
    public UUID realm;
    public String llmProvider;
    public String llmModel;
    public String llmSystemPrompt;
    public String declaredIntentJws;
    /**
     * The newest {@code iat} of an intent signature accepted for the agent, kept when an unsigned intent replaces the
     * signed one: a signature must be newer ({@link IntentSignature}). Not part of the snapshot.
     */
    public Long intentSignedIat;

    public static Agent create(UUID orgId, String actor) {
        Agent agent = new Agent();
        Instant now = now();
        agent.id = UUID.randomUUID();
        agent.orgId = orgId;
        agent.ownerId = actor;
        agent.status = AgentStatus.INACTIVE;
        agent.agentType = AgentType.SUPERVISED;
        agent.riskConfig = RiskConfig.DEFAULTS;
        agent.capabilities = Capabilities.NONE;
        agent.mcpIntegration = McpIntegration.NONE;
        agent.notifications = Notifications.NONE;
        agent.tags = List.of();
        agent.metadata = JsonNodeFactory.instance.objectNode();
        agent.revision = 1;
        agent.createdAt = now;
        agent.createdBy = actor;
        agent.updatedAt = now;
        agent.updatedBy = actor;
        agent.grantedCapabilities = List.of();
        return agent;
    }

    /** Marks a change by {@code actor}: every change gets a new revision and update time. */
    public void touch(String actor) {
        revision++;
        updatedAt = now();
        updatedBy = actor;
    }

    public AgentSnapshot snapshot() {
        return new AgentSnapshot(id, orgId, name, description, ownerId, runtime, imageUri, status, version,
                declaredIntent, declaredIntentSignedBy, declaredIntentSignedAt, declaredIntentDigest, agentType,
                riskConfig, capabilities, mcpIntegration, notifications, tags, metadata, revision, createdAt, createdBy,
                updatedAt, updatedBy, did, publicKey, grantedCapabilities, approvedAt, approvedBy, realm, llmProvider, llmModel,
                llmSystemPrompt, declaredIntentJws);
    }

    /** PostgreSQL's precision ({@link Rows#now}). */
    public static Instant now() {
        return Rows.now();
    }
}
