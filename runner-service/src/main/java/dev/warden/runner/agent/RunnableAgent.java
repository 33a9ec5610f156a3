package dev.warden.runner.agent;

import java.util.UUID;

/**
 * What a run needs to know of an agent, from runner-service's projection of {@code warden.agents.v1}: {@code imageUri} is
 * the image deployed with {@code version} (see {@link AgentProjection}), {@code config} that version's deploy
 * {@code config} as JSON text (null when it had none, and in an event's snapshot, which does not carry it);
 * {@code configKnown} false when the projection holds no deploy of that version (one deployed before runner-service
 * kept versions' configs, its migration V4): what it ran with is then not known here.
 */
public record RunnableAgent(UUID orgId, UUID agentId, String imageUri, int version, String status, long revision,
                            String config, boolean configKnown) {

    public RunnableAgent(UUID orgId, UUID agentId, String imageUri, int version, String status, long revision) {
        this(orgId, agentId, imageUri, version, status, revision, null, true);
    }

    public boolean suspended() {
        return "suspended".equals(status);
    }

    /**
     * This snapshot followed by a newer one of the same agent: the newer one's version, status and revision, and its
     * image only if its version differs (a deploy or a rollback); otherwise the image deployed with the version stays.
     */
    public RunnableAgent then(RunnableAgent newer) {
        String image = newer.version == version ? imageUri : newer.imageUri;
        return new RunnableAgent(orgId, agentId, image, newer.version, newer.status, newer.revision);
    }

    public boolean hasImage() {
        return imageUri != null && !imageUri.isBlank();
    }
}
