package dev.warden.registry.overview;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Seed 000's shapes (snake_case, as the seed), with what Warden adds beyond it marked so. */
public final class RegistryWire {

    private RegistryWire() {
    }

    @Schema(name = "RegistryAgent")
    public record RegistryAgent(UUID id, String name, @Schema(nullable = true) String description,
                                @Schema(enumeration = {"active", "inactive", "suspended", "error"}) String status,
                                String runtime, int version, @Schema(nullable = true) String ownerId,
                                @Schema(description = "Connector bindings of the agent") int connectorCount,
                                @Schema(description = "Policies bound to the agent") int policyCount,
                                @Schema(description = "Entries of the audit log about the agent") long auditActionCount,
                                long driftEventCount, long compliancePackageCount,
                                @Schema(nullable = true, description = "When its most recent audit entry happened") Instant lastActivity,
                                Instant createdAt) {
    }

    public record StatusBreakdown(long active, long inactive, long suspended, long error) {
    }

    @Schema(description = "Beyond seed 000: fleet instances of the organization's agents, by liveness")
    public record Instances(long online, long stale, long offline) {
    }

    @Schema(description = "Beyond seed 000: a governance gap, as a count and the first 100 ids")
    public record Gap(long count, List<UUID> ids) {
    }

    @Schema(description = "Beyond seed 000: the gaps no single service shows. \"Active\" is the status the organization set"
            + " (deployed and not suspended): an agent whose last run failed or whose instances are all offline is"
            + " counted under error in status_breakdown, and still among the active ones here")
    public record Gaps(@Schema(description = "Active agents no policy governs") Gap activeWithoutPolicies,
                       @Schema(description = "Active agents without a compliance package") Gap activeWithoutCompliance,
                       @JsonProperty("drift_last_24h")
                       @Schema(description = "Agents with a drift event in the last 24 hours") Gap driftLast24h,
                       @Schema(description = "Active agents with no live fleet instance: none online or stale, whether they have offline ones or none at all") Gap activeWithoutLiveInstance,
                       @Schema(description = "Registrations awaiting a decision (their ids)") Gap pendingRegistrations) {
    }

    public record Summary(long totalAgents, StatusBreakdown statusBreakdown, long totalDriftEvents,
                          long agentsWithoutPolicies, long agentsWithoutCompliance, Instances instances, Gaps gaps) {
    }

    @Schema(name = "RegistryResponse")
    public record RegistryResponse(List<RegistryAgent> agents,
                                   @Schema(description = "Agents matching the status filter (all pages)") long total,
                                   @Schema(description = "Organization-wide, whatever the filter") Summary summary,
                                   @Schema(nullable = true, description = "Beyond seed 000: null on the last page; the "
                                           + "cursor of the next when limit was given") String nextCursor) {
    }
}
