package dev.warden.agent.access;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Requests and responses of {@code /v1/orgs} and {@code /v1/api-keys}. */
public final class AccessModels {

    private AccessModels() {
    }

    @Schema(name = "CreateOrganizationRequest")
    public record CreateOrganizationRequest(@Schema(required = true, examples = "acme") String name,
                                            @Schema(examples = "first admin") String adminKeyName) {
    }

    public record CreateOrganizationResponse(OrganizationRecord organization, ApiKeyResponse adminApiKey) {
    }

    public record OrganizationListResponse(List<OrganizationRecord> organizations,
            long total,
            @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
            @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }

    /** Replaces an organization's outbound allow-list; an empty list admits nothing internal. */
    public record OutboundAllowList(@Schema(required = true, examples = "[\"10.20.0.0/16\", \"*.corp.example\"]",
            description = "CIDR blocks, host names or *.suffixes, at most 100") List<String> entries) {
    }

    public record CreateApiKeyRequest(
            @Schema(required = true, examples = "ci pipeline") String name,
            @Schema(required = true, enumeration = {"viewer", "operator", "admin", "auditor", "instance"}) String role,
            @Schema(nullable = true, description = "When the key stops working; never when null or left out") Instant expiresAt) {
    }

    /**
     * An API key as shown to an admin; {@code secret} is present once, in the answer to its creation. A time it does
     * not have (no expiry, not revoked, never used) is left out, so only the others are required.
     */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    @Schema(requiredProperties = {"id", "org_id", "name", "role", "prefix", "revoked", "created_at", "created_by"})
    public record ApiKeyResponse(UUID id, UUID orgId, String name, String role, String prefix, Instant expiresAt,
                                 boolean revoked, Instant revokedAt,
                                 @Schema(description = "Who revoked it (absent while it is not revoked, and for keys "
                                         + "revoked before this was recorded)") String revokedBy,
                                 Instant lastUsedAt, Instant createdAt, String createdBy,
                                 @Schema(description = "The secret for X-API-Key; shown only when the key is created")
                                 @JsonInclude(JsonInclude.Include.NON_NULL) String secret) {

        static ApiKeyResponse of(ApiKeyRecord k, String secret) {
            return new ApiKeyResponse(k.id(), k.orgId(), k.name(), k.role(), k.prefix(), k.expiresAt(),
                    k.revokedAt() != null, k.revokedAt(), k.revokedBy(), k.lastUsedAt(), k.createdAt(), k.createdBy(),
                    secret);
        }
    }

    public record ApiKeyListResponse(List<ApiKeyResponse> apiKeys,
            long total,
            @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
            @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }
}
