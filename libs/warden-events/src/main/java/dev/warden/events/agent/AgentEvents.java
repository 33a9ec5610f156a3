package dev.warden.events.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The payloads of {@code warden.agents.v1}. Each is described in {@code schemas/warden.agents.v1.json}. */
public final class AgentEvents {

    private AgentEvents() {
    }

    /** created, suspended and intent-declared carry the agent as it now is. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record AgentChanged(AgentSnapshot agent) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record AgentUpdated(AgentSnapshot agent, List<String> changedFields) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    /** {@code liftedSuspension}: the agent was suspended, and an admin lifted the suspension by this deploy. */
    public record AgentDeployed(AgentSnapshot agent, AgentVersion deployment, boolean liftedSuspension) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    /** {@code liftedSuspension}: the agent was suspended, and an admin lifted the suspension by this rollback. */
    public record AgentRolledBack(AgentSnapshot agent, int fromVersion, int toVersion, String imageUri,
                                  boolean liftedSuspension) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ConnectorBinding(UUID id, UUID agentId, String connector, @Schema(nullable = true) String name,
                                   @Schema(implementation = Map.class, nullable = true) JsonNode config,
                                   String createdBy, Instant createdAt) {
    }

    /** bound and unbound. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ConnectorChanged(UUID agentId, ConnectorBinding binding) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Policy(UUID id, UUID orgId, String name, @Schema(nullable = true) String description,
                         String enforcement, @Schema(implementation = Map[].class, description = "The rules, each an object") JsonNode rules,
                         int version, List<UUID> agentIds, Instant createdAt, String createdBy, Instant updatedAt,
                         String updatedBy) {

        /** What a binding's events say of the policy. */
        public PolicyReference reference() {
            return new PolicyReference(id, orgId, name, enforcement, version);
        }
    }

    /**
     * A policy as a binding's events name it: without its rules and agents, which the policy's own events carry. Each
     * binding is an event of its own, so a policy of 1,000 agents whose every binding carried the policy with its
     * agents made a quadratic 40 MB of events for its creation (290 MB with 256 KiB of rules), and as much for its
     * removal. Events published before carry the whole policy: its fields here are the same.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PolicyReference(UUID id, UUID orgId, String name, String enforcement, int version) {
    }

    /**
     * created, changed and removed; keyed by the policy id. {@code changedBy}: who made this change (the policy's
     * {@code updated_by} is its last editor, not who removed it; absent from events published before it was recorded).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PolicyChanged(Policy policy, @Schema(nullable = true) String changedBy) {
    }

    /**
     * bound and unbound; keyed by the agent id. {@code changedBy}: who bound or unbound it (absent from events published
     * before it was recorded: their audit entries name no actor).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PolicyBindingChanged(UUID agentId, PolicyReference policy, @Schema(nullable = true) String changedBy) {
    }

    /** Seed 004's realm, a named group of an organization's agents. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Realm(UUID id, UUID orgId, String name, String slug, String color, Instant createdAt,
                        @Schema(nullable = true) String createdBy, Instant updatedAt,
                        @Schema(nullable = true) String updatedBy) {
    }

    /**
     * realm created, changed and deleted; keyed by the realm id. {@code changedBy}: who made this change (absent from
     * events published before it was recorded).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RealmChanged(Realm realm, @Schema(nullable = true) String changedBy) {
    }

    /** A self-registration (seed 004) as it stands; keyed by the registration id. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Registration(UUID id, UUID orgId, String name, String version, String did, String publicKey,
                               List<String> requestedCapabilities, String status, Instant requestedAt,
                               @Schema(nullable = true) String requestedBy,
                               @Schema(nullable = true, description = "The agent type the registration asked for") AgentType agentType,
                               @Schema(description = "0 to 100, from the requested capabilities' configured weights") int riskScore) {
    }

    /** requested; keyed by the registration id. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RegistrationRequested(Registration registration) {
    }

    /** approved: what was requested, what was granted, who decided, and the agent it became; keyed by the registration id. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RegistrationApproved(Registration registration, List<String> grantedCapabilities, UUID agentId,
                                       String decidedBy, Instant decidedAt,
                                       @Schema(nullable = true, description = "The auto-approval rule that decided; null for an admin") UUID ruleId) {
    }

    /** rejected, with the reason and who decided; keyed by the registration id. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RegistrationRejected(Registration registration, String reason, String decidedBy, Instant decidedAt) {
    }

    /** expired: nobody decided before {@code warden.registration.pending-ttl}; keyed by the registration id. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RegistrationExpired(Registration registration, Instant expiredAt) {
    }

    /** An organization's rule that approves matching registrations without an admin. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RegistrationRule(UUID id, UUID orgId, String name, List<String> capabilities,
                                   @Schema(nullable = true) AgentType agentType,
                                   @Schema(nullable = true) Integer maxRiskScore, Instant createdAt, String createdBy) {
    }

    /** An organization's admin turned registration without a credential on or off; keyed by the organization id. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record OpenRegistrationChanged(UUID orgId, boolean openRegistration, String changedBy, Instant changedAt) {
    }

    /**
     * An organization's admin set the capabilities registrations may be granted in it (null: every capability the
     * deployment knows); keyed by the organization id.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RegistrationCapabilitiesChanged(UUID orgId, @Schema(nullable = true) List<String> availableCapabilities,
                                                  String changedBy, Instant changedAt) {
    }

    /** registration rule created and deleted, with who did it; keyed by the rule id. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RegistrationRuleChanged(RegistrationRule rule, String changedBy) {
    }
}
