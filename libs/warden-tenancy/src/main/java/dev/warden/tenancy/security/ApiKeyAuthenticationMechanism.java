package dev.warden.tenancy.security;

import dev.warden.api.ErrorMappers;
import dev.warden.api.CredentialFormRefused;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import io.quarkus.arc.All;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Set;

/**
 * Authenticates {@code X-API-Key}; an API key sent as {@code Authorization: Bearer}, as the seeds' examples send every
 * credential (told apart from the identity provider's tokens by its {@code wdn_} prefix); and {@code Authorization:
 * Bearer} secrets a {@link LocalCredentials} bean of the service recognises (fleet-service's enrolment tokens and instance
 * credentials: only there, never in {@code X-API-Key}). Any other request is left to the bearer-token mechanism, but for
 * a token signed with a key the identity provider has withdrawn ({@link OidcKeyWatch}), refused here. It runs before that
 * mechanism, so neither an API key nor a local secret ever reaches the identity provider.
 */
@ApplicationScoped
public class ApiKeyAuthenticationMechanism implements HttpAuthenticationMechanism {

    public static final String HEADER = "X-API-Key";
    private static final String BEARER = "Bearer ";

    private final List<LocalCredentials> locals;
    private final OidcKeyWatch keyWatch;

    public ApiKeyAuthenticationMechanism(@All List<LocalCredentials> locals, OidcKeyWatch keyWatch) {
        this.locals = locals;
        this.keyWatch = keyWatch;
    }

    /**
     * One credential per request: two {@code X-API-Key} headers, two {@code Authorization} headers, or a key beside an
     * {@code Authorization} header, are refused (401) rather than one of them chosen, since which one a proxy or log in
     * front read is unknown (a probe got another organization's data by swapping the order of two keys, and heartbeated
     * as either of two fleet instances by the order of their credentials).
     */
    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        List<String> keys = context.request().headers().getAll(HEADER);
        int authorizations = context.request().headers().getAll("Authorization").size();
        if (keys.size() + authorizations > 1) {
            return Uni.createFrom().failure(CredentialFormRefused.because("A request carries one credential: this one has "
                    + "more than one (X-API-Key and Authorization headers together, or one of them twice)"));
        }
        String key = keys.isEmpty() ? null : keys.getFirst();
        if (key != null && locals.stream().anyMatch(l -> l.recognizes(key))) {
            // Its one header is Authorization, which proxies and log redaction treat as a credential; in X-API-Key it
            // would be an instance's credential or enrolment token in a header they may not
            return Uni.createFrom().failure(CredentialFormRefused.because("This credential is sent as Authorization: "
                    + "Bearer <secret>, never in X-API-Key"));
        }
        String secret = key;
        String authorization = context.request().getHeader("Authorization");
        if (secret == null) {
            secret = bearerSecret(authorization);
        }
        if (secret == null) {
            if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                    && keyWatch.withdrawn(authorization.substring(BEARER.length()).trim())) {
                return Uni.createFrom().failure(new AuthenticationFailedException(
                        "The token is signed with a key the identity provider has withdrawn"));
            }
            return Uni.createFrom().nullItem(); // the bearer-token mechanism's
        }
        return identityProviderManager.authenticate(new ApiKeyAuthenticationRequest(secret));
    }

    /** Above the OIDC mechanism's (1001), so a local bearer secret is ours before the identity provider sees it. */
    @Override
    public int getPriority() {
        return 1100;
    }

    private String bearerSecret(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = authorization.substring(BEARER.length()).trim();
        boolean ours = token.startsWith(ApiKeys.SECRET_PREFIX) || locals.stream().anyMatch(l -> l.recognizes(token));
        return ours ? token : null;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", ErrorMappers.CHALLENGE));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyAuthenticationRequest.class);
    }
}
