package dev.warden.audit.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;
import java.util.UUID;

/** A compliance package as clients see it: its progress while building, its signed content once ready. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PackageResponse(UUID id, String agentId, Instant from, Instant to, String status, int progress,
                              Instant requestedAt, Instant completedAt, String error, JsonNode content,
                              String signature, String keyId) {
}
