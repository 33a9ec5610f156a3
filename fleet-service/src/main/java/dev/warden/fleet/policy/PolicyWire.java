package dev.warden.fleet.policy;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.warden.fleet.instance.InstanceWire;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** What an instance fetches of its agent's policies, in seed 003's camelCase and envelope as its heartbeat is. */
public final class PolicyWire {

    private PolicyWire() {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "FleetPolicy", extensions = @Extension(name = InstanceWire.SEED_CASING, value = "camelCase"))
    public record FleetPolicy(UUID id, String name, @Schema(nullable = true) String description,
                              @Schema(enumeration = {"enforce", "monitor"}) String enforcement,
                              @Schema(description = "The policy's own version (agent-service's)", examples = "3") int version,
                              @Schema(implementation = Map[].class, description = "The rules, each an object")
                              @JsonRawValue String rules,
                              Instant updatedAt) {
    }

    @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    @Schema(name = "InstancePolicies", extensions = @Extension(name = InstanceWire.SEED_CASING, value = "camelCase"))
    public record InstancePolicies(String id, @Schema(nullable = true) UUID agentId,
                                   @Schema(description = "The agent's policy version these policies are; once the "
                                           + "instance's own credential fetched them, its heartbeats count pendingPolicies "
                                           + "from it", examples = "v3") String policyVersion,
                                   @Schema(description = "The policies that govern the agent, by id") List<FleetPolicy> policies,
                                   @Schema(nullable = true, description = "The next page's cursor; null on the last page")
                                   String nextCursor) {
    }

    @Schema(name = "InstancePoliciesEnvelope")
    public record InstancePoliciesEnvelope(@Schema(description = "Always true on success") boolean ok, InstancePolicies data) {
    }
}
