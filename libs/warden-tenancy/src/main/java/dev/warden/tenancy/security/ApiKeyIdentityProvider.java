package dev.warden.tenancy.security;

import dev.warden.api.UnavailableException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import io.quarkus.arc.All;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Turns an API key into an identity: the key's id as principal, its role, its organization. */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyAuthenticationRequest> {

    /** How long a key this service does not know yet waits for its access directory to be current. */

    private final AccessDirectory directory;
    private final SecurityConfig config;
    private final Event<ApiKeyUsed> used;
    private final List<LocalCredentials> locals;

    public ApiKeyIdentityProvider(AccessDirectory directory, SecurityConfig config, Event<ApiKeyUsed> used,
                                  @All List<LocalCredentials> locals) {
        this.directory = directory;
        this.config = config;
        this.used = used;
        this.locals = locals;
    }

    @Override
    public Class<ApiKeyAuthenticationRequest> getRequestType() {
        return ApiKeyAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyAuthenticationRequest request, AuthenticationRequestContext context) {
        String secret = request.secret();
        for (LocalCredentials local : locals) {
            if (local.recognizes(secret)) {
                return local.authenticate(secret);
            }
        }
        String hash = ApiKeys.sha256(secret); // once per request: the platform key's and the directory's lookup
        if (config.platformApiKeySha256().filter(hash::equals).isPresent()) {
            return Uni.createFrom().item(Identities.of(() -> Identities.PLATFORM_KEY_PRINCIPAL, Set.of(Roles.PLATFORM_ADMIN),
                    null, "api-key", null));
        }
        Optional<SecurityIdentity> known = identity(hash);
        if (known.isPresent()) {
            return Uni.createFrom().item(known.get());
        }
        if (!secret.startsWith(ApiKeys.SECRET_PREFIX) || !directory.mayBeUsable(hash)) {
            return unknown();
        }
        // A key created (or its organization enabled) a moment ago, answered by agent-service once on the broker, may
        // not have reached this service yet: it is asked of the broker before it is refused. When the broker cannot
        // say, the key is as unknown as it was.
        return directory.current(config.newKeyWait()).onFailure().recoverWithNull()
                .chain(() -> identity(hash).map(i -> Uni.createFrom().item(i)).orElseGet(this::unknownYet));
    }

    private static Uni<SecurityIdentity> unknown() {
        return Uni.createFrom().failure(() -> new AuthenticationFailedException("unknown API key"));
    }

    /**
     * A key not (yet) known: a 401, unless this replica has not yet read the access topic to its end since it started,
     * when it cannot say whether the key is good: a 503 with Retry-After, as while any dependency is away. A replica
     * (re)starting answered valid keys 401 for seconds, telling their clients the key was bad (readiness keeps a
     * cluster's gateway away meanwhile, but not a caller of the replica itself).
     */
    private Uni<SecurityIdentity> unknownYet() {
        if (!directory.caughtUp()) {
            return Uni.createFrom().failure(() -> new UnavailableException(STARTING, null));
        }
        return unknown();
    }

    /** What the 503 names: this replica's own directory of who may act, still being read. */
    static final String STARTING = "access directory (this replica is still reading who may act)";

    private Optional<SecurityIdentity> identity(String hash) {
        return directory.usableKey(hash).map(key -> {
            used.fire(new ApiKeyUsed(key.id(), key.orgId(), Instant.now()));
            return Identities.of(() -> Identities.apiKeyPrincipal(key.id()), Set.of(key.role()), key.orgId(), "api-key", null);
        });
    }
}
