package dev.warden.runner.engine;

import java.util.Map;
import java.util.UUID;

/**
 * What to run: the agent's image under the tier's limits, labelled with the execution, organization and instance, with
 * {@code environment} set in its container (which run it is, and its version's config: {@code ExecutionService}).
 */
public record RunSpec(UUID executionId, UUID orgId, UUID agentId, String image, Limits limits, String instance,
                      Map<String, String> environment) {

    public RunSpec {
        environment = Map.copyOf(environment);
    }

    public RunSpec(UUID executionId, UUID orgId, UUID agentId, String image, Limits limits, String instance) {
        this(executionId, orgId, agentId, image, limits, instance, Map.of());
    }
}
