package dev.warden.agent.access;

import dev.warden.events.access.AccessEvents.ApiKey;

import java.time.Instant;
import java.util.UUID;

/**
 * An API key as stored: the secret itself is never stored, only its SHA-256. {@code revokedBy} is who revoked it
 * (null while it is not revoked, and for keys revoked before it was recorded).
 */
public record ApiKeyRecord(UUID id, UUID orgId, String name, String role, String secretSha256, String prefix,
                           Instant expiresAt, Instant revokedAt, String revokedBy, Instant lastUsedAt, Instant createdAt,
                           String createdBy) {

    /** Its state on {@code warden.access.v1}; {@code last_used_at} is not part of it, so a use publishes nothing. */
    public ApiKey event() {
        return new ApiKey(id, orgId, name, role, secretSha256, prefix, expiresAt, revokedAt != null, createdAt, createdBy,
                revokedBy);
    }
}
