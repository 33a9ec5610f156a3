package dev.warden.observability;

import dev.warden.tenancy.security.Identities;
import io.opentelemetry.api.trace.Span;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Puts the request id and the caller's organization in the logging context (MDC keys {@code requestId} and
 * {@code orgId}) of every API request, beside the {@code traceId} and {@code spanId} OpenTelemetry puts there, so every
 * line a request logs says whose request it was. The request id is the caller's {@code X-Request-Id} when it is a
 * sensible token, else a new one; it is echoed in every response, set on it before any route runs: a 401 of the
 * security layer, the router's 404 and 405, a request filter's 400 and the size limits' refusals carry it as the
 * resources' answers do (they did not, when a response filter echoed it: "my key does not work" had no id to find).
 */
@ApplicationScoped
public class RequestLogContext {

    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    public static final String REQUEST_ID = "requestId";
    public static final String ORG_ID = "orgId";

    private static final Pattern SENSIBLE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private final CurrentIdentityAssociation identities;

    public RequestLogContext(CurrentIdentityAssociation identities) {
        this.identities = identities;
    }

    /** First of every route (before RequestLimits' refusals), on the request's own context. */
    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String given = ctx.request().getHeader(REQUEST_ID_HEADER);
            String id = given != null && SENSIBLE_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
            MDC.put(REQUEST_ID, id);
            ctx.response().headers().set(REQUEST_ID_HEADER, id);
            ctx.next();
        });
    }

    /**
     * Authentication is lazy (proactive authentication is off), so the identity is asked for here; a credential that
     * fails leaves the organization out, and the endpoint's own check answers 401 as before.
     */
    @ServerRequestFilter
    public Uni<Void> enter(HttpServerRequest request) {
        return identities.getDeferredIdentity()
                .onItem().invoke(RequestLogContext::noteOrg)
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /**
     * The current request's id; null outside a request.
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
