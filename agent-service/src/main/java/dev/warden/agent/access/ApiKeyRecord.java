package dev.warden.agent.access;

import dev.warden.events.access.AccessEvents.ApiKey;

import java.time.Instant;
import java.util.UUID;

/** An API key as stored: the secret itself is never stored, only its SHA-256. */
public record ApiKeyRecord(UUID id, UUID orgId, String name, String role, String secretSha256, String prefix,
                           Instant expiresAt, Instant revokedAt, Instant lastUsedAt, Instant createdAt, String createdBy) {

    public ApiKey event() {
        return new ApiKey(id, orgId, name, role, secretSha256, prefix, expiresAt, revokedAt != null, createdAt, createdBy);
    }
}
