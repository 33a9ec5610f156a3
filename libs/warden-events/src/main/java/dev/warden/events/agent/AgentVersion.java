package dev.warden.events.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** One deployment of an agent (seed 001's version object). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AgentVersion(UUID id, UUID agentId, int version, String imageUri,
                           @Schema(implementation = Map.class, nullable = true) JsonNode config, String deployedBy,
                           @Schema(nullable = true) String notes, Instant createdAt) {
}
