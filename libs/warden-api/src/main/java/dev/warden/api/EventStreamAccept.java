package dev.warden.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * A request that takes JSON takes an operation's event stream too. Clients generated from the OpenAPI documents
 * (openapi-generator) send {@code Accept: application/json} to every operation, since each documents its errors as
 * JSON, and an operation that answers only {@code text/event-stream} (runner-service's execution logs, fleet-service's
 * and registry-service's live views) refused them with a 406, even where the answer would have been a 404. Such an
 * Accept gets {@code text/event-stream} added at the lowest preference, before the operation is chosen: an operation
 * that answers JSON still answers JSON, and an Accept that takes neither (XML) is still a 406.
 */
public class EventStreamAccept {

    static final String ADDED = MediaType.SERVER_SENT_EVENTS + ";q=0.001";

    @ServerRequestFilter(preMatching = true)
    public void eventStreamForJson(ContainerRequestContext request) {
        String accept = request.getHeaderString(HttpHeaders.ACCEPT);
        if (accept != null && takesJsonNotEvents(accept)) {
            request.getHeaders().putSingle(HttpHeaders.ACCEPT, accept + ", " + ADDED);
        }
    }

    /** Whether {@code accept} names JSON and no event stream (nor any type that would take one). */
    static boolean takesJsonNotEvents(String accept) {
        boolean json = false;
        for (String part : accept.split(",")) {
            String type = part.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
            if (type.equals("*/*") || type.equals("text/*") || type.equals(MediaType.SERVER_SENT_EVENTS)) {
                return false;
            }
            json |= type.equals(MediaType.APPLICATION_JSON) || type.equals("application/*");
        }
        return json;
    }
}
