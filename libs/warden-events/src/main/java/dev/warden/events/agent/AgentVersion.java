package dev.warden.events.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** One deployment of an agent (seed 001's version object). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AgentVersion(UUID id, UUID agentId, int version, String imageUri,
                           @Schema(implementation = Map.class, nullable = true) JsonNode config, String deployedBy,
                           @Schema(nullable = true) String notes, Instant createdAt) {

    /**
     * The most {@code config} a version may have, in bytes of compact JSON: a run's container is given it in one
     * environment variable, which Linux bounds at 128 KiB (agent-service refuses more at the deploy; runner-service a
     * run of an older such version).
     */
    public static final int MAX_CONFIG_BYTES = 64 * 1024;

    /** The size {@link #MAX_CONFIG_BYTES} bounds. */
    public static int configBytes(String compactJson) {
        return compactJson == null ? 0 : dev.warden.events.EventJson.utf8Length(compactJson);
    }
}
