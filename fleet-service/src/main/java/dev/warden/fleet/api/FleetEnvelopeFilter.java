package dev.warden.fleet.api;

import dev.warden.api.ErrorResponse;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Puts every error answered under {@code /v1/fleet} in seed 003's envelope ({@code {"ok": false, "error": {...}}}).
 * The shared mappers (warden-api's {@code ErrorMappers}) still decide the status and the error; this only wraps it, and
 * only on this service's paths, so no other service changes.
 */
public class FleetEnvelopeFilter {

    static final String PREFIX = "/v1/fleet";

    @ServerResponseFilter
    public void wrapErrors(ContainerRequestContext request, ContainerResponseContext response) {
        if (response.getEntity() instanceof ErrorResponse error && request.getUriInfo().getPath().startsWith(PREFIX)) {
            response.setEntity(Envelope.Failure.of(error));
        }
    }
}
