package dev.warden.registry.rebuild;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * While a rebuild runs, every view of the projection still answers, from what has been replayed so far, and says so:
 * {@code Warden-Projection: rebuilding; progress=42.5} (the percent replayed, as this replica last measured it). Put on
 * the response as the request arrives, so that a stream's opening answer carries it too.
 */
public class RebuildingHeader {

    static final String HEADER = "Warden-Projection";

    private final ProjectionWatcher watcher;

    public RebuildingHeader(ProjectionWatcher watcher) {
        this.watcher = watcher;
    }

    @ServerRequestFilter
    public void rebuilding(HttpServerRequest request, HttpServerResponse response) {
        watcher.rebuilding().ifPresent(rebuild -> {
            String path = request.path();
            if (path.startsWith("/v1/directory") || path.startsWith("/v1/registry") && !path.startsWith("/v1/registry/rebuilds")) {
                response.putHeader(HEADER, "rebuilding; progress=" + rebuild.percent());
            }
        });
    }
}
