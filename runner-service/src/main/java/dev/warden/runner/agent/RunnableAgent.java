package dev.warden.runner.agent;

import java.util.UUID;

/** What a run needs to know of an agent, from runner-service's projection of {@code warden.agents.v1}. */
public record RunnableAgent(UUID orgId, UUID agentId, String imageUri, int version, String status, long revision) {

    public boolean suspended() {
        return "suspended".equals(status);
    }

    public boolean hasImage() {
        return imageUri != null && !imageUri.isBlank();
    }
}
