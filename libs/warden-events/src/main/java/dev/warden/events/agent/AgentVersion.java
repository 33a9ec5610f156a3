package dev.warden.events.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;
import java.util.UUID;

/** One deployment of an agent (seed 001's version object). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AgentVersion(UUID id, UUID agentId, int version, String imageUri, JsonNode config, String deployedBy,
                           String notes, Instant createdAt) {
}
