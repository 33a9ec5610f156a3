package dev.warden.events.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The whole agent as of one change: the agent object of seed 001 with the agent fields of seed 002, and the identity
 * of seed 004 ({@code did}, {@code public_key}, {@code granted_capabilities}, who approved it and when, its {@code realm} and
 * language model).
 * The API returns it and every agent event carries it, so a consumer's projection needs no other call.
 * {@code revision} grows by one with every change: a consumer keeps the highest it has seen.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AgentSnapshot(
        UUID id,
        UUID orgId,
        String name,
        @Schema(nullable = true) String description,
        String ownerId,
        String runtime,
        @Schema(nullable = true) String imageUri,
        AgentStatus status,
        int version,
        @Schema(implementation = Map.class, nullable = true, description = "The declared intent manifest; null until one is set")
        JsonNode declaredIntent,
        @Schema(nullable = true) String declaredIntentSignedBy,
        @Schema(nullable = true) Instant declaredIntentSignedAt,
        @Schema(nullable = true) String declaredIntentDigest,
        AgentType agentType,
        RiskConfig riskConfig,
        Capabilities capabilities,
        McpIntegration mcpIntegration,
        Notifications notifications,
        List<String> tags,
        JsonNode metadata,
        long revision,
        Instant createdAt,
        String createdBy,
        Instant updatedAt,
        String updatedBy,
        @Schema(nullable = true, description = "did:key of the agent's Ed25519 key, when it registered itself (seed 004)") String did,
        @Schema(nullable = true, description = "The key in did:key multibase form (z6Mk...)") String publicKey,
        @Schema(description = "Seed 004's capability names granted at approval; empty for agents created by an admin") List<String> grantedCapabilities,
        @Schema(nullable = true) Instant approvedAt,
        @Schema(nullable = true) String approvedBy,
        @Schema(nullable = true, description = "The id of the organization's realm the agent is in (seed 004)") UUID realm,
        @Schema(nullable = true, examples = "openai") String llmProvider,
        @Schema(nullable = true, examples = "gpt-4o") String llmModel,
        @Schema(nullable = true) String llmSystemPrompt,
        @Schema(nullable = true, description = "When the agent signed its declared intent itself: the detached JWS (EdDSA, "
                + "header..signature) over the manifest's RFC 8785 canonical JSON, verifiable with public_key; null when "
                + "an admin's credential set it") String declaredIntentJws) {
}
