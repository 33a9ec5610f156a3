package dev.warden.events.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** The payloads of {@code warden.agent-actions.v1} and {@code warden.audit.v1}. */
public final class AuditEvents {

    private AuditEvents() {
    }

    /** One action an agent performed through a connector; the input of drift detection. Keyed by agent id. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record AgentAction(UUID agentId, String actor, String connector, String action, String dataType,
                              String status, String inputsHash, String outputsHash, Instant occurredAt) {
    }

    /**
     * One entry of an organization's hash chain: {@code hash = SHA-256(prev_hash || canonical JSON of the entry)}.
     * The canonical form and the chain rule are in {@code AuditChain}; anyone can recompute them.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record AuditEntry(UUID orgId, long sequence, UUID eventId, String eventType,
                             @Schema(nullable = true) String agentId, @Schema(nullable = true) String actor,
                             String actionType, @Schema(nullable = true) String connector, String status,
                             @Schema(nullable = true) String inputsHash, @Schema(nullable = true) String outputsHash,
                             @Schema(implementation = Map.class) JsonNode metadata, Instant occurredAt, Instant recordedAt,
                             String prevHash, String hash) {
    }

    /** Behaviour that departed from the agent's declared intent; chained at {@code sequence}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record DriftEvent(UUID id, UUID orgId, String agentId, String driftType, UUID actionEventId, String connector,
                             String action, @Schema(nullable = true) String dataType,
                             @Schema(implementation = Map.class) JsonNode details, Instant occurredAt, Instant detectedAt,
                             long sequence) {
    }

    /** A compliance package was built: what it covers and the digest of its signed content. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CompliancePackageCreated(UUID id, UUID orgId, String agentId, Instant from, Instant to, int entries,
                                           int driftEvents, long checkpointSequence, String contentSha256, String keyId) {
    }

    /** The signed head of an organization's chain. The signature covers the canonical JSON of all other fields. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Checkpoint(UUID id, UUID orgId, long sequence, String headHash, Instant signedAt, String keyId,
                             String algorithm, String signature) {
    }
}
