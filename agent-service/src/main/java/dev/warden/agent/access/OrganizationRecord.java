package dev.warden.agent.access;

import dev.warden.events.access.AccessEvents.Organization;

import java.time.Instant;
import java.util.UUID;

/** An organization as stored and as returned by {@code /v1/orgs}. */
public record OrganizationRecord(UUID id, String name, String status, Instant createdAt, Instant updatedAt) {

    public Organization event() {
        return new Organization(id, name, status, createdAt, updatedAt);
    }
}
