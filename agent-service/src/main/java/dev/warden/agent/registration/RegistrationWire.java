package dev.warden.agent.registration;

import com.fasterxml.jackson.annotation.JsonInclude;
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
            @Schema(required = true, description = "base64url Ed25519 signature of the challenge's UTF-8 bytes") String signature,
            @Schema(nullable = true, enumeration = {"autonomous", "supervised", "advisory", "mcp_server"},
                    description = "Beyond the seed: the agent type asked for, which auto-approval rules may require") String agentType) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record RegisterResponse(@Schema(description = "did:key: followed by the public key") String agentId, String message,
            @Schema(enumeration = {"pending", "approved"}, description = "Beyond the seed: approved when an auto-approval rule "
                    + "decided at once") String status) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record RegistrationItem(UUID id, String name, String publicKey, List<String> requestedCapabilities,
                                   Instant requestedAt,
                                   @Schema(description = "Beyond the seed: when it expires undecided") Instant expiresAt,
                                   @Schema(nullable = true, description = "Beyond the seed") String agentType,
                                   @Schema(description = "Beyond the seed: 0 to 100, from the requested capabilities' weights") int riskScore) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"),
            requiredProperties = {"registrations", "availableCapabilities"})
    public record RegistrationListResponse(List<RegistrationItem> registrations, List<String> availableCapabilities,
                                           @JsonInclude(JsonInclude.Include.NON_NULL)
                                           @Schema(description = "Beyond the seed, and only while there is one: the "
                                                   + "cursor of the next page; absent on the last page, so a list that "
                                                   + "fits in one page keeps the seed's shape") String nextCursor) {
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

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record RegistrationSettings(
            @Schema(description = "Whether agents may register without a credential, with ?org=<organization name or id>")
            boolean openRegistration,
            @Schema(description = "Calls without a credential one source address may make a minute") int openRatePerMinute,
            @Schema(description = "The capabilities registrations may be granted in the organization (the list's "
                    + "availableCapabilities): its admin's allow-list, else every capability the deployment knows")
            List<String> availableCapabilities) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"),
            description = "Either or both; what is left out stays as it is")
    public record RegistrationSettingsRequest(
            @Schema(nullable = true) Boolean openRegistration,
            @Schema(nullable = true, description = "The organization's allow-list: capabilities the deployment knows, "
                    + "none twice; every one of them allows every one, later ones too") List<String> availableCapabilities) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record CreateRuleRequest(
            @Schema(required = true, maxLength = 200, examples = "read-only helpers") String name,
            @Schema(required = true, minItems = 1, description = "A registration asking only for capabilities within "
                    + "this set matches; at least one") List<String> capabilities,
            @Schema(nullable = true, enumeration = {"autonomous", "supervised", "advisory", "mcp_server"},
                    description = "When set, the registration must ask for this agent type") String agentType,
            @Schema(nullable = true, minimum = "0", maximum = "100", description = "When set, the registration's risk score "
                    + "must be at most this") Integer maxRiskScore) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "RegistrationRule", extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record RuleResponse(UUID id, String name, List<String> capabilities, @Schema(nullable = true) String agentType,
                               @Schema(nullable = true) Integer maxRiskScore, Instant createdAt, String createdBy) {

        static RuleResponse of(RegistrationRule rule) {
            return new RuleResponse(rule.id, rule.name, rule.capabilities,
                    rule.agentType == null ? null : rule.agentType.toString(), rule.maxRiskScore, rule.createdAt, rule.createdBy);
        }
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"), requiredProperties = "rules")
    public record RuleListResponse(@Schema(description = "Oldest first: the order in which they are tried") List<RuleResponse> rules,
                                   @JsonInclude(JsonInclude.Include.NON_NULL)
                                   @Schema(description = "The cursor of the next page; absent on the last page") String nextCursor) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record DecisionsRequest(
            @Schema(required = true, enumeration = {"approve", "reject"}) String decision,
            @Schema(required = true, description = "1 to 100 registration ids") List<UUID> ids,
            @Schema(nullable = true, description = "approve: granted to each (a subset of each request); absent: each is "
                    + "granted what it requested") List<String> capabilities,
            @Schema(nullable = true, description = "reject: required") String reason,
            @Schema(nullable = true, description = "approve: the realm to put each agent in") UUID realm) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record DecisionResult(UUID id, boolean success,
                                 @Schema(nullable = true, description = "approve: the agent's DID") String agentId,
                                 @Schema(nullable = true, description = "Why this one was not decided: the status and error it "
                                         + "would have had alone") DecisionError error) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record DecisionError(int status, String code, String message) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(extensions = @Extension(name = SEED_CASING, value = "camelCase"))
    public record DecisionsResponse(@Schema(description = "One per id, in the order given") List<DecisionResult> results,
                                    int succeeded, int failed) {
    }
}
