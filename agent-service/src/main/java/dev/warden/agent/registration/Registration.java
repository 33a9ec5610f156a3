package dev.warden.agent.registration;

import dev.warden.events.agent.AgentEvents;
import dev.warden.events.agent.AgentType;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** An agent's request to join an organization with its key, and the admin's decision on it. */
public class Registration {

    public UUID id;
    public UUID orgId;
    public String name;
    public String version;
    public String publicKey;
    public List<String> requestedCapabilities;
    public String status;
    public Instant requestedAt;
    public String requestedBy;
    public List<String> grantedCapabilities;
    public UUID agentId;
    public String reason;
    public Instant decidedAt;
    public String decidedBy;
    public AgentType agentType;
    public int riskScore;
    public UUID ruleId;

    public static final String PENDING = "pending";
    public static final String APPROVED = "approved";
    public static final String REJECTED = "rejected";
    public static final String EXPIRED = "expired";

    public String did() {
        return "did:key:" + publicKey;
    }

    public AgentEvents.Registration event() {
        return new AgentEvents.Registration(id, orgId, name, version, did(), publicKey, requestedCapabilities, status,
                requestedAt, requestedBy, agentType, riskScore);
    }
}
