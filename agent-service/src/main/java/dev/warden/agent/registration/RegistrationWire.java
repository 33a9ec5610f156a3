package dev.warden.agent.registration;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Seed 004's request and response shapes. The seed is camelCase, so these keep its casing, not Warden's snake_case. */
public final class RegistrationWire {

    /** Marks a schema whose properties keep a seed's camelCase; {@code OpenApiChecks} admits it there only. */
    static final String SEED_CASING = "x-warden-casing";
    static final String EXAMPLE_KEY = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

    private RegistrationWire() {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record ChallengeRequest(@Schema(required = true, examples = EXAMPLE_KEY) String publicKey) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record ChallengeResponse(@Schema(description = "32 random bytes, base64url; sign its UTF-8 bytes") String challenge,
                                    Instant expiresAt) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record RegisterRequest(
            @Schema(required = true, examples = "my-new-agent") String name,
            @Schema(required = true, examples = "1.0.0") String version,
            @Schema(required = true) List<String> capabilities,
            @Schema(required = true, examples = EXAMPLE_KEY) String publicKey,
            @Schema(required = true, description = "A challenge from /v1/agents/register/challenge for this key") String challenge,
            @Schema(required = true, description = "base64url Ed25519 signature of the challenge's UTF-8 bytes") String signature) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record RegisterResponse(@Schema(description = "did:key: followed by the public key") String agentId, String message) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record RegistrationItem(UUID id, String name, String publicKey, List<String> requestedCapabilities,
                                   Instant requestedAt) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record RegistrationListResponse(List<RegistrationItem> registrations, List<String> availableCapabilities) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record ApproveRequest(@Schema(required = true, description = "A subset of the requested capabilities") List<String> capabilities,
                                 @Schema(nullable = true, description = "The id of a realm of the organization to put the agent in") UUID realm) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record ApproveResponse(boolean success, @Schema(description = "The agent's DID") String agentId) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record RejectRequest(@Schema(required = true) String reason) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record SuccessResponse(boolean success) {
    }
}
