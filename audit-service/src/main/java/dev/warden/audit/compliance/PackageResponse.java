package dev.warden.audit.compliance;

import com.fasterxml.jackson.annotation.JsonRawValue;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A compliance package as clients see it: its progress while building, its signed content once ready, written out as
 * PostgreSQL keeps it (a package of tens of thousands of entries is never parsed into a tree to be answered).
 */
@Schema(name = "CompliancePackage")
public record PackageResponse(UUID id, String agentId, Instant from, Instant to,
                              @Schema(enumeration = {"building", "ready", "failed"}) String status,
                              int progress, Instant requestedAt, @Schema(nullable = true) Instant completedAt,
                              @Schema(nullable = true) String error,
                              @Schema(implementation = Map.class, nullable = true, description = "The signed content, once ready")
                              @JsonRawValue String content,
                              @Schema(nullable = true) String signature, @Schema(nullable = true) String keyId) {

    /** This package with {@code content}. */
    public PackageResponse withContent(String content) {
        return new PackageResponse(id, agentId, from, to, status, progress, requestedAt, completedAt, error, content,
                signature, keyId);
    }
}
