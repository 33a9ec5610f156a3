package dev.warden.observability;

import dev.warden.tenancy.security.Identities;
import io.opentelemetry.api.trace.Span;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import jakarta.ws.rs.container.ContainerResponseContext;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Puts the request id and the caller's organization in the logging context (MDC keys {@code requestId} and
 * {@code orgId}) of every API request, beside the {@code traceId} and {@code spanId} OpenTelemetry puts there, so every
 * line a request logs says whose request it was. The request id is the caller's {@code X-Request-Id} when it is a
 * sensible token, else a new one; it is echoed in the response.
 */
public class RequestLogContext {

    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    public static final String REQUEST_ID = "requestId";
    public static final String ORG_ID = "orgId";

    private static final Pattern SENSIBLE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private final CurrentIdentityAssociation identities;

    public RequestLogContext(CurrentIdentityAssociation identities) {
        this.identities = identities;
    }

    /**
     * Authentication is lazy (proactive authentication is off), so the identity is asked for here; a credential that
     * fails leaves the organization out, and the endpoint's own check answers 401 as before.
     */
    @ServerRequestFilter
    public Uni<Void> enter(HttpServerRequest request) {
        String given = request.getHeader(REQUEST_ID_HEADER);
        MDC.put(REQUEST_ID, given != null && SENSIBLE_ID.matcher(given).matches() ? given : UUID.randomUUID().toString());
        return identities.getDeferredIdentity()
                .onItem().invoke(RequestLogContext::noteOrg)
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    @ServerResponseFilter
    public void leave(ContainerResponseContext response) {
        String id = requestId();
        if (id != null) {
            response.getHeaders().putSingle(REQUEST_ID_HEADER, id);
        }
    }

    /**
     * The current request's id, for an answer response filters do not reach (a streaming method's refusal before its
     * stream starts, answered by its own exception mapper); null outside a request.
     */
    public static String requestId() {
        Object id = MDC.get(REQUEST_ID);
        return id == null ? null : id.toString();
    }

    private static void noteOrg(SecurityIdentity identity) {
        UUID org = identity == null || identity.isAnonymous() ? null : Identities.org(identity);
        if (org != null) {
            MDC.put(ORG_ID, org.toString());
            Span.current().setAttribute("warden.org_id", org.toString());
        }
    }
}
