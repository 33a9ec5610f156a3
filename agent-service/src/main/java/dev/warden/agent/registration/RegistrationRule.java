package dev.warden.agent.registration;

import dev.warden.events.agent.AgentEvents;
import dev.warden.events.agent.AgentType;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An organization's rule that approves a registration without an admin: every requested capability is within the
 * rule's set, the registration asked for the rule's agent type (when the rule names one), and its risk score is at most
 * the rule's ceiling (when it has one). The first matching rule, oldest first, decides, granting what was requested.
 */
public class RegistrationRule {

    public UUID id;
    public UUID orgId;
    public String name;
    public List<String> capabilities;
    public AgentType agentType;
    public Integer maxRiskScore;
    public Instant createdAt;
    public String createdBy;

    /**
     * Whether the rule decides the registration at once. A request for no capability is a subset of every rule's, so
     * read literally every rule would approve it: an identity made without anybody looking, one per request (with open
     * registration, one per anonymous caller). Such a request always waits for an admin.
     */
    public boolean matches(Registration r) {
        return !r.requestedCapabilities.isEmpty() && capabilities.containsAll(r.requestedCapabilities)
                && (agentType == null || agentType == r.agentType)
                && (maxRiskScore == null || r.riskScore <= maxRiskScore);
    }

    /** How a decision names the rule in {@code decided_by}. */
    public String actor() {
        return "rule:" + name;
    }

    public AgentEvents.RegistrationRule event() {
        return new AgentEvents.RegistrationRule(id, orgId, name, capabilities, agentType, maxRiskScore, createdAt, createdBy);
    }
}
