package dev.warden.agent;

import dev.warden.agent.realm.RealmWire.RealmResponse;
import dev.warden.api.IfMatch;
import dev.warden.events.agent.AgentEvents.Policy;
import dev.warden.events.agent.AgentSnapshot;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Every answer that is one agent, one policy or one realm (a GET, a create, an edit, a deploy, ...) carries its {@code ETag}, the
 * value {@code If-Match} takes on an edit (docs/agent-service.md, "Edits that cannot overwrite each other").
 */
public class ETags {

    @ServerResponseFilter
    public void tag(ContainerResponseContext response) {
        if (response.getStatus() >= 300) {
            return;
        }
        if (response.getEntity() instanceof AgentSnapshot agent) {
            response.getHeaders().putSingle(IfMatch.ETAG, IfMatch.etag(agent.revision()));
        } else if (response.getEntity() instanceof Policy policy) {
            response.getHeaders().putSingle(IfMatch.ETAG, IfMatch.etag(of(policy)));
        } else if (response.getEntity() instanceof RealmResponse realm) {
            response.getHeaders().putSingle(IfMatch.ETAG, IfMatch.etag(realm.revision()));
        }
    }

    /**
     * A policy's tag: its version, which each change of its content raises, and its bound agents, which binding and
     * unbinding change without a new version; so the tag changes whenever its answer does.
     */
    public static String of(Policy policy) {
        List<UUID> agents = new ArrayList<>(policy.agentIds());
        agents.sort(null);
        return policy.version() + "-" + Integer.toHexString(agents.hashCode());
    }
}
