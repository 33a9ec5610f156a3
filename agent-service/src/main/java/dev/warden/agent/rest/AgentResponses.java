package dev.warden.agent.rest;

import dev.warden.events.agent.AgentSnapshot;
import dev.warden.events.agent.AgentVersion;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

public final class AgentResponses {

    private AgentResponses() {
    }

    /** Seed 001's list envelope; {@code next_cursor} is null on the last page. */
    public record AgentListResponse(List<AgentSnapshot> agents, long total,
                                    @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }

    public record VersionListResponse(List<AgentVersion> versions, long total,
                                      @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }
}
