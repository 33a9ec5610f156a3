package dev.warden.agent.access;

import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.Identities;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Set;
import java.util.UUID;

/**
 * Every write to an organization's data checks, in the transaction that makes it, that its caller is still in force
 * ({@link TenantDb#requireCallerInForce}): agent-service keeps the keys and organizations, and a revocation or a
 * disabling is committed before any replica answers it, while the other replicas' access directories learn of it a few
 * milliseconds after that answer (a trial with two replicas created agents and deployed with a key revoked on the
 * other replica a moment before). Reads are checked against the directory only, as in every other service.
 */
public class CallerInForce {

    private static final Set<HttpMethod> READS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private final CurrentIdentityAssociation identities;

    public CallerInForce(CurrentIdentityAssociation identities) {
        this.identities = identities;
    }

    @ServerRequestFilter
    public Uni<Void> require(HttpServerRequest request) {
        if (READS.contains(request.method())) {
            return Uni.createFrom().voidItem();
        }
        Context context = Vertx.currentContext(); // the request's: the identity may be resolved on another thread
        return identities.getDeferredIdentity()
                // A credential that fails leaves nothing to check: the endpoint's own check answers it.
                .onFailure().recoverWithNull()
                .invoke(identity -> require(context, identity))
                .replaceWithVoid();
    }

    private static void require(Context request, SecurityIdentity identity) {
        UUID org = identity == null || identity.isAnonymous() ? null : Identities.org(identity);
        if (org != null) {
            TenantDb.requireCallerInForce(request, org, Identities.apiKey(identity));
        }
    }
}
