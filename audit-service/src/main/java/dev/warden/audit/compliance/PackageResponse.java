package dev.warden.audit.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** A compliance package as clients see it: its progress while building, its signed content once ready. */
@Schema(name = "CompliancePackage")
public record PackageResponse(UUID id, String agentId, Instant from, Instant to,
                              @Schema(enumeration = {"building", "ready", "failed"}) String status,
                              int progress, Instant requestedAt, @Schema(nullable = true) Instant completedAt,
                              @Schema(nullable = true) String error,
                              @Schema(implementation = Map.class, nullable = true, description = "The signed content, once ready") JsonNode content,
                              @Schema(nullable = true) String signature, @Schema(nullable = true) String keyId) {
}
