package dev.warden.agent.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.Clearable;
import dev.warden.events.agent.AgentEvents.ConnectorBinding;
import dev.warden.events.agent.AgentEvents.Policy;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Requests and responses of connector bindings and policies. */
public final class PolicyModels {

    private PolicyModels() {
    }

    @Schema(name = "BindConnectorRequest")
    public record BindConnectorRequest(
            @Schema(required = true, examples = "crowdstrike") String connector,
            @Schema(nullable = true, description = "Distinguishes two bindings of the same connector; null or left out: "
                    + "none", examples = "eu-tenant") String name,
            @Schema(implementation = Map.class, nullable = true, description = "null or left out: none") JsonNode config) {
    }

    public record ConnectorListResponse(List<ConnectorBinding> connectors,
            long total,
            @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
            @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }

    @Schema(name = "CreatePolicyRequest")
    public record CreatePolicyRequest(
            @Schema(required = true, examples = "no-pii-export") String name,
            String description,
            @Schema(enumeration = {"enforce", "monitor"}, defaultValue = "enforce") String enforcement,
            @Schema(required = true, implementation = Map[].class, maxItems = 500, description = "The rules, each an object",
                    examples = "[{\"effect\": \"deny\", \"action\": \"files:export\", \"data_type\": \"pii\"}]") JsonNode rules,
            @Schema(description = "Agents the policy governs from the start") List<UUID> agentIds) {
    }

    @Schema(name = "UpdatePolicyRequest")
    public record UpdatePolicyRequest(String name,
                                      @Schema(implementation = String.class, nullable = true, description = "null clears it")
                                      Clearable description,
                                      @Schema(enumeration = {"enforce", "monitor"}) String enforcement,
                                      @Schema(implementation = Map[].class, maxItems = 500, nullable = true,
                                              description = "null or left out: unchanged") JsonNode rules) {

        /** A JSON null for the rules is read by Jackson as a null node: it means left out, as the document says. */
        public UpdatePolicyRequest {
            if (rules != null && rules.isNull()) {
                rules = null;
            }
        }

        @Schema(hidden = true)
        boolean isEmpty() {
            return name == null && description == null && enforcement == null && rules == null;
        }
    }

    public record PolicyListResponse(List<Policy> policies,
            long total,
            @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
            @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }

    public record PolicyVersion(UUID policyId, int version, String name, @Schema(nullable = true) String description,
                                String enforcement, @Schema(implementation = Map[].class) JsonNode rules,
                                Instant createdAt, String createdBy) {
    }

    public record PolicyVersionListResponse(List<PolicyVersion> versions,
            long total,
            @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
            @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }
}
