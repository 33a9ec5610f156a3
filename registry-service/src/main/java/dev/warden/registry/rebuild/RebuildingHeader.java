package dev.warden.registry.rebuild;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * While a rebuild runs, every view of the projection still answers, from what has been replayed so far, and says so:
 * {@code Warden-Projection: rebuilding; progress=42.5} (the percent replayed, as this replica last measured it).
 */
public class RebuildingHeader {

    static final String HEADER = "Warden-Projection";

    private final ProjectionWatcher watcher;

    public RebuildingHeader(ProjectionWatcher watcher) {
        this.watcher = watcher;
    }

    @ServerResponseFilter
    public void rebuilding(ContainerRequestContext request, ContainerResponseContext response) {
        watcher.rebuilding().ifPresent(rebuild -> {
            String path = request.getUriInfo().getPath();
            if (path.startsWith("/v1/directory") || path.startsWith("/v1/registry") && !path.startsWith("/v1/registry/rebuilds")) {
                response.getHeaders().putSingle(HEADER, "rebuilding; progress=" + rebuild.percent());
            }
        });
    }
}
