package dev.warden.agent.lifecycle;

import dev.warden.events.agent.AgentSnapshot;
import dev.warden.events.agent.AgentVersion;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

public final class AgentResponses {

    private AgentResponses() {
    }

    /**
     * Seed 001's list envelope; {@code next_cursor} is null on the last page; {@code total_exact} is false when the
     * list is longer than the counted bound and {@code total} is that bound.
     */
    public record AgentListResponse(List<AgentSnapshot> agents,
            long total,
            @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
            @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }

    public record VersionListResponse(List<AgentVersion> versions,
            long total,
            @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
            @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }
}
