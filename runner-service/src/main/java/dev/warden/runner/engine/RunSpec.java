package dev.warden.runner.engine;

import java.util.UUID;

/** What to run: the agent's image under the tier's limits, labelled with the execution, organization and instance. */
public record RunSpec(UUID executionId, UUID orgId, UUID agentId, String image, Limits limits, String instance) {
}
