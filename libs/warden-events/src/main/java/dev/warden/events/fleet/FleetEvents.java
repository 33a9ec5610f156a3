package dev.warden.events.fleet;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The payloads of {@code warden.fleet.v1}. Each is described in {@code schemas/warden.fleet.v1.json}. */
public final class FleetEvents {

    /**
     * Instance credentials start with this; only their SHA-256 travels ({@code credential_sha256} of the registered
     * event), so a service that checks them (audit-service, for actions an instance reports) learns them from the topic.
     */
    public static final String CREDENTIAL_PREFIX = "wfi_";

    private FleetEvents() {
    }

    /** A fleet instance (seed 003's "agent"): one running copy of a governed agent, as it stands after the change. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Instance(String id, UUID orgId, @Schema(nullable = true) UUID agentId, String hostname, String os,
                           String version, String ip, List<String> tags, Instant registeredAt,
                           Instant lastHeartbeat) {
    }

    /** An online instance's last reported figures: published once per summary interval, not per heartbeat. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record InstanceSummary(Instance instance, @Schema(nullable = true) Double cpu,
                                  @Schema(nullable = true) Double memory, @Schema(nullable = true) Double uptime,
                                  @Schema(nullable = true) Integer activePolicyVersion, Instant at) {
    }

    /**
     * Every liveness transition (registered, stale, offline, back online, deregistered): the state before (null for
     * a registration), the state after, and how long it had been since the instance's last heartbeat.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record InstanceTransition(Instance instance, @Schema(nullable = true) String previousState, String state,
                                     long sinceLastHeartbeatMs, Instant at, @Schema(nullable = true) String actor,
                                     @Schema(nullable = true) String credentialSha256) {
    }

    /**
     * An enrolment token as issued (never its secret or the secret's SHA-256), and who issued or revoked it when:
     * the payload of the issued and revoked events. Keyed by the agent it is pinned to, else by its own id.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record EnrollmentTokenChanged(UUID tokenId, UUID orgId, @Schema(nullable = true) UUID agentId, int maxUses,
                                         Instant expiresAt, Instant createdAt, String createdBy, String actor,
                                         Instant at) {
    }
}
