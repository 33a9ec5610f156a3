package dev.warden.events.access;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;
import java.util.UUID;

/**
 * The payloads of the compacted {@code warden.access.v1} topic: the latest state of each organization and API key.
 * Only the SHA-256 of a key's secret ever leaves agent-service.
 */
public final class AccessEvents {

    private AccessEvents() {
    }

    public static String organizationKey(UUID id) {
        return "org:" + id;
    }

    public static String apiKeyKey(UUID id) {
        return "api-key:" + id;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Organization(UUID id, String name, String status, Instant createdAt, Instant updatedAt) {

        public boolean active() {
            return "active".equals(status);
        }
    }

    /**
     * An API key's latest state: published when it is created and when it is revoked. {@code revokedBy} names who
     * revoked it (null while it is not revoked, and in events published before the field existed).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ApiKey(UUID id, UUID orgId, String name, String role, String secretSha256, String prefix,
                         Instant expiresAt, boolean revoked, Instant createdAt, String createdBy, String revokedBy) {

        public boolean usableAt(Instant now) {
            return !revoked && (expiresAt == null || expiresAt.isAfter(now));
        }
    }
}
