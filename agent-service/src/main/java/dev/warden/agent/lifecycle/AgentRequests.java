package dev.warden.agent.lifecycle;

import dev.warden.agent.Clearable;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.agent.AgentType;
import dev.warden.events.agent.Capabilities;
import dev.warden.events.agent.McpIntegration;
import dev.warden.events.agent.Notifications;
import dev.warden.events.agent.RiskConfig;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Request bodies of {@code /v1/agents}. Unknown fields are refused (see {@code StrictJson}). */
public final class AgentRequests {

    private AgentRequests() {
    }

    @Schema(name = "CreateAgentRequest")
    public record CreateAgentRequest(
            @Schema(required = true, examples = "triage-agent") String name,
            @Schema(examples = "Automated SOC triage agent") String description,
            @Schema(required = true, examples = "docker") String runtime,
            @Schema(examples = "registry.example.com/org/triage-agent:v1") String imageUri,
            AgentType agentType,
            RiskConfig riskConfig,
            Capabilities capabilities,
            McpIntegration mcpIntegration,
            Notifications notifications,
            List<String> tags,
            @Schema(implementation = Map.class) JsonNode metadata,
            @Schema(nullable = true, description = "The id of a realm of the organization (seed 004)") UUID realm,
            @Schema(nullable = true, examples = "openai") String llmProvider,
            @Schema(nullable = true, examples = "gpt-4o") String llmModel,
            @Schema(nullable = true, examples = "You are a financial analyst.") String llmSystemPrompt,
            @Schema(nullable = true, examples = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", description = "The agent's "
                    + "Ed25519 key in did:key multibase form (seed 004); did is did:key: followed by it. Unique in the "
                    + "organization; set once, at creation") String publicKey) {
    }

    /**
     * Every field is optional; only the fields given change. Nested objects change field by field. A field that can be
     * empty ({@code description}, {@code image_uri}, the {@code llm_*} fields, {@code notifications.webhook_url},
     * {@code mcp_integration.mcp_server_url}) is cleared by {@code null}: {@link Clearable} tells a field given as null
     * from one left out.
     */
    @Schema(name = "UpdateAgentRequest")
    public record UpdateAgentRequest(
            String name,
            @Schema(implementation = String.class, nullable = true, description = "null clears it") Clearable description,
            String runtime,
            @Schema(implementation = String.class, nullable = true, description = "null clears it") Clearable imageUri,
            AgentType agentType,
            RiskConfig riskConfig,
            CapabilitiesPatch capabilities,
            McpIntegrationPatch mcpIntegration,
            NotificationsPatch notifications,
            @Schema(nullable = true, description = UNCHANGED) List<String> tags,
            @Schema(implementation = Map.class) JsonNode metadata,
            @Schema(description = "The id of a realm of the organization (seed 004)") UUID realm,
            @Schema(implementation = String.class, nullable = true, examples = "openai") Clearable llmProvider,
            @Schema(implementation = String.class, nullable = true, examples = "gpt-4o") Clearable llmModel,
            @Schema(implementation = String.class, nullable = true) Clearable llmSystemPrompt) {

        @Schema(hidden = true)
        public boolean isEmpty() {
            return name == null && description == null && runtime == null && imageUri == null && agentType == null
                    && riskConfig == null && capabilities == null && mcpIntegration == null && notifications == null
                    && tags == null && metadata == null && realm == null && llmProvider == null && llmModel == null
                && llmSystemPrompt == null;
        }
    }

    /**
     * What a patch's list given as null means: nothing, as left out. Said nullable in the document so that a generated
     * client leaves an unset list out rather than sending {@code []} (openapi-generator's Java models start a list
     * that is neither required nor nullable as an empty one, which emptied what it named).
     */
    static final String UNCHANGED = "null or left out: unchanged";

    /** {@code capabilities} in a patch: each list given replaces the agent's; one left out (or null) stays. */
    @Schema(name = "CapabilitiesPatch")
    public record CapabilitiesPatch(@Schema(nullable = true, description = UNCHANGED) List<String> allowedActionTypes,
                                    @Schema(nullable = true, description = UNCHANGED) List<String> allowedResources,
                                    @Schema(nullable = true, description = UNCHANGED) List<String> blockedResources) {

        Capabilities applyTo(Capabilities current) {
            return current.merge(new Capabilities(allowedActionTypes, allowedResources, blockedResources));
        }
    }

    /** {@code notifications} in a patch: {@code webhook_url: null} removes the webhook. */
    @Schema(name = "NotificationsPatch")
    public record NotificationsPatch(Boolean alertOnHighRisk,
                                     @Schema(nullable = true, description = UNCHANGED) List<String> alertRecipients,
                                     @Schema(implementation = String.class, nullable = true, description = "null removes the webhook") Clearable webhookUrl) {

        Notifications applyTo(Notifications current) {
            return new Notifications(alertOnHighRisk != null ? alertOnHighRisk : current.alertOnHighRisk(),
                    alertRecipients != null ? alertRecipients : current.alertRecipients(),
                    webhookUrl != null ? webhookUrl.value() : current.webhookUrl());
        }
    }

    /** {@code mcp_integration} in a patch: {@code mcp_server_url: null} removes the server's URL. */
    @Schema(name = "McpIntegrationPatch")
    public record McpIntegrationPatch(@JsonProperty("is_mcp_server") Boolean isMcpServer,
                                      @Schema(implementation = String.class, nullable = true, description = "null removes it") Clearable mcpServerUrl,
                                      @Schema(implementation = Map.class) JsonNode mcpCapabilities) {

        McpIntegration applyTo(McpIntegration current) {
            return new McpIntegration(isMcpServer != null ? isMcpServer : current.isMcpServer(),
                    mcpServerUrl != null ? mcpServerUrl.value() : current.mcpServerUrl(),
                    mcpCapabilities != null ? mcpCapabilities : current.mcpCapabilities());
        }
    }

    @Schema(name = "DeployAgentRequest")
    public record DeployRequest(
            @Schema(required = true, examples = "registry.example.com/org/triage-agent:v4") String imageUri,
            @Schema(implementation = Map.class, nullable = true, description = "Runtime configuration for this version; "
                    + "null or left out: none") JsonNode config,
            @Schema(nullable = true, examples = "Added Sentinel connector support") String notes,
            @Schema(nullable = true, description = "Deploying a suspended agent lifts its suspension, which only an admin "
                    + "may do and only by saying so here; without it (null or left out: false) the deploy of a suspended "
                    + "agent is refused") Boolean liftSuspension) {
    }

    /** The declared intent manifest (INV-003): what the agent is authorized to use. Drift is measured against it. */
    @Schema(name = "DeclaredIntent")
    public record DeclaredIntentRequest(
            @Schema(required = true, examples = "[\"crowdstrike\", \"jira\"]") List<String> permittedConnectors,
            @Schema(required = true, examples = "[\"detections:read\", \"issues:create\"]") List<String> permittedActions,
            @Schema(examples = "[\"detection data\", \"issue data\"]") List<String> dataTypes,
            String description,
            @Schema(description = "Most actions the agent may take per window; more is frequency drift") RateLimit rateLimit) {
    }

    @Schema(name = "IntentRateLimit", requiredProperties = {"max_actions", "window_seconds"})
    public record RateLimit(@Schema(minimum = "1", maximum = "1000000") Integer maxActions,
                            @Schema(minimum = "1", maximum = "86400") Integer windowSeconds) {
    }
}
