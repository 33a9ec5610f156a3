package dev.warden.registry.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.registry.RegistryAgentRow;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Seed 002's shapes, exactly: snake_case, {@code success}, {@code pagination}. */
public final class CatalogWire {

    private CatalogWire() {
    }

    /** Seed 002 says draft where Warden says inactive. */
    static String seedStatus(String status) {
        return "inactive".equals(status) ? "draft" : status;
    }

    @Schema(name = "CatalogAgent")
    public record CatalogAgent(@Schema(description = "The registry's own number for the agent, stable while its projection is; a rebuild (POST /v1/registry/rebuilds) numbers the agents again, so key your records by agent_id") long id,
                               @Schema(description = "The Warden agent id") String agentId, String displayName,
                               @Schema(nullable = true) String description,
                               @Schema(enumeration = {"autonomous", "supervised", "advisory", "mcp_server"}) String agentType,
                               @Schema(enumeration = {"draft", "active", "suspended"}) String status,
                               @Schema(description = "The deployed version number, as text") String version,
                               int defaultRiskScore, int autoApproveBelow, int maxRiskThreshold, boolean isMcpServer,
                               List<String> tags, Instant createdAt) {

        static CatalogAgent of(RegistryAgentRow a) {
            return new CatalogAgent(a.seq(), a.agentId().toString(), a.name(), a.description(), a.agentType(),
                    seedStatus(a.rawStatus()), String.valueOf(a.version()), a.riskConfig().path("default_risk_score").asInt(),
                    a.riskConfig().path("auto_approve_below").asInt(), a.riskConfig().path("max_risk_threshold").asInt(),
                    a.mcpIntegration().path("is_mcp_server").asBoolean(), a.tags(), a.createdAt());
        }
    }

    public record Pagination(long total, int limit, long offset, boolean hasMore) {
    }

    @Schema(name = "CatalogListResponse")
    public record CatalogListResponse(boolean success, List<CatalogAgent> agents, Pagination pagination,
                                      @Schema(nullable = true, description = "Beyond seed 002: the cursor of the next page "
                                              + "in the default order; null on the last") String nextCursor) {
    }

    public record Audit(Instant createdAt, @Schema(nullable = true) String createdBy, Instant updatedAt,
                        @Schema(nullable = true) String updatedBy, @Schema(nullable = true) Instant approvedAt,
                        @Schema(nullable = true) String approvedBy) {
    }

    @Schema(name = "CatalogAgentDetail")
    public record CatalogAgentDetail(long id, String agentId, String displayName, @Schema(nullable = true) String description,
                                     String agentType, @Schema(enumeration = {"draft", "active", "suspended"}) String status,
                                     String version,
                                     @Schema(implementation = Map.class) JsonNode riskConfig,
                                     @Schema(implementation = Map.class) JsonNode capabilities,
                                     @Schema(implementation = Map.class) JsonNode mcpIntegration,
                                     @Schema(implementation = Map.class) JsonNode notifications,
                                     List<String> tags, @Schema(implementation = Map.class) JsonNode metadata, Audit audit) {

        static CatalogAgentDetail of(RegistryAgentRow a) {
            return new CatalogAgentDetail(a.seq(), a.agentId().toString(), a.name(), a.description(), a.agentType(),
                    seedStatus(a.rawStatus()), String.valueOf(a.version()), a.riskConfig(), a.capabilities(),
                    a.mcpIntegration(), a.notifications(), a.tags(), a.metadata(),
                    new Audit(a.createdAt(), a.createdBy(), a.updatedAt(), a.updatedBy(), a.approvedAt(), a.approvedBy()));
        }
    }

    @Schema(name = "CatalogAgentResponse")
    public record CatalogAgentResponse(boolean success, CatalogAgentDetail agent) {
    }
}
