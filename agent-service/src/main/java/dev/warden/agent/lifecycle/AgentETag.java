package dev.warden.agent.lifecycle;

import dev.warden.api.IfMatch;
import dev.warden.events.agent.AgentSnapshot;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Every answer that is one agent (a GET, a create, an edit, a deploy, ...) carries its revision as {@code ETag}, the
 * value {@code If-Match} takes on an edit (docs/agent-service.md, "Edits that cannot overwrite each other").
 */
public class AgentETag {

    @ServerResponseFilter
    public void tag(ContainerResponseContext response) {
        if (response.getStatus() < 300 && response.getEntity() instanceof AgentSnapshot agent) {
            response.getHeaders().putSingle(IfMatch.ETAG, IfMatch.etag(agent.revision()));
        }
    }
}
