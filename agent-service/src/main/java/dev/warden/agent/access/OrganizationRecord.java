package dev.warden.agent.access;

import dev.warden.events.access.AccessEvents.Organization;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** An organization as stored and as returned by {@code /v1/orgs}. */
public record OrganizationRecord(UUID id, String name, String status, Instant createdAt, Instant updatedAt,
                                 @Schema(description = "Internal addresses and names its agents' webhook_url and "
                                         + "mcp_server_url may point at: CIDR blocks, host names or *.suffixes")
                                 List<String> outboundAllowList) {

    public Organization event() {
        return new Organization(id, name, status, createdAt, updatedAt);
    }
}
