package dev.warden.agent.lifecycle;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.warden.events.agent.AgentSnapshot;
import dev.warden.events.agent.AgentVersion;

import java.util.List;

public final class AgentResponses {

    private AgentResponses() {
    }

    /**
     * Seed 001's list envelope; {@code next_cursor} is null on the last page; {@code total_exact} is false when the
     * list is longer than the counted bound and {@code total} is that bound.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record AgentListResponse(List<AgentSnapshot> agents, long total, boolean totalExact, String nextCursor) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record VersionListResponse(List<AgentVersion> versions, long total, boolean totalExact, String nextCursor) {
    }
}
