package dev.warden.agent.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.agent.AgentEvents.ConnectorBinding;
import dev.warden.events.agent.AgentEvents.Policy;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Requests and responses of connector bindings and policies. */
public final class PolicyModels {

    private PolicyModels() {
    }

    @Schema(name = "BindConnectorRequest")
    public record BindConnectorRequest(
            @Schema(required = true, examples = "crowdstrike") String connector,
            @Schema(description = "Distinguishes two bindings of the same connector", examples = "eu-tenant") String name,
            @Schema(type = SchemaType.OBJECT) JsonNode config) {
    }

    public record ConnectorListResponse(List<ConnectorBinding> connectors, long total, String nextCursor) {
    }

    @Schema(name = "CreatePolicyRequest")
    public record CreatePolicyRequest(
            @Schema(required = true, examples = "no-pii-export") String name,
            String description,
            @Schema(enumeration = {"enforce", "monitor"}, defaultValue = "enforce") String enforcement,
            @Schema(required = true, type = SchemaType.ARRAY,
                    examples = "[{\"effect\": \"deny\", \"action\": \"files:export\", \"data_type\": \"pii\"}]") JsonNode rules,
            @Schema(description = "Agents the policy governs from the start") List<UUID> agentIds) {
    }

    @Schema(name = "UpdatePolicyRequest")
    public record UpdatePolicyRequest(String name, String description,
                                      @Schema(enumeration = {"enforce", "monitor"}) String enforcement,
                                      @Schema(type = SchemaType.ARRAY) JsonNode rules) {

        boolean isEmpty() {
            return name == null && description == null && enforcement == null && rules == null;
        }
    }

    public record PolicyListResponse(List<Policy> policies, long total, String nextCursor) {
    }

    public record PolicyVersion(UUID policyId, int version, String name, String description, String enforcement,
                                JsonNode rules, Instant createdAt, String createdBy) {
    }

    public record PolicyVersionListResponse(List<PolicyVersion> versions, long total) {
    }
}
