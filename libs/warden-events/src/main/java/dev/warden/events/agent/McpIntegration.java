package dev.warden.events.agent;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.Map;

@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record McpIntegration(@JsonProperty("is_mcp_server") Boolean isMcpServer,
                             @Schema(nullable = true) String mcpServerUrl,
                             @Schema(implementation = Map.class)
                             JsonNode mcpCapabilities) {

    /**
     * Capabilities are an object, {@code {}} at the least: a JSON {@code null} (a change clearing them, or a row or event
     * that stored one) is none, {@code {}}. Java's null stays "not given", which {@link #merge} leaves as it was.
     */
    public McpIntegration {
        if (mcpCapabilities != null && mcpCapabilities.isNull()) {
            mcpCapabilities = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
    }

    /** Seed 002's default: not a server, no URL, no capabilities ({@code {}}, not null, as the seed shows). */
    public static final McpIntegration NONE = new McpIntegration(false, null,
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode());

    public McpIntegration merge(McpIntegration patch) {
        if (patch == null) {
            return this;
        }
        return new McpIntegration(
                patch.isMcpServer != null ? patch.isMcpServer : isMcpServer,
                patch.mcpServerUrl != null ? patch.mcpServerUrl : mcpServerUrl,
                patch.mcpCapabilities != null ? patch.mcpCapabilities : mcpCapabilities);
    }
}
