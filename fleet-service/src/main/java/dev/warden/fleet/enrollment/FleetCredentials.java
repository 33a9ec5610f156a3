package dev.warden.fleet.enrollment;

import dev.warden.fleet.FleetClock;
import dev.warden.fleet.FleetConfig;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.AccessDirectory;
import dev.warden.tenancy.security.ApiKeys;
import dev.warden.tenancy.security.LocalCredentials;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks fleet-service's own bearer secrets for the shared API-key mechanism (warden-tenancy's
 * {@link LocalCredentials}): an enrolment token ({@code wfe_}) must be unrevoked, unexpired and not used up; an
 * instance credential ({@code wfi_}) must belong to a live instance. Both are looked up by SHA-256 in the platform
 * scope (the secret names its organization). Instance credentials, checked on every heartbeat, are remembered for
 * {@code warden.fleet.credential-cache} (10 minutes: longer than the heartbeat interval, or every heartbeat would
 * miss): a credential never changes its instance, and a deregistered instance's heartbeats are refused by the
 * heartbeat itself, which only updates live instances. A disabled organization's secrets are refused at once, as its
 * API keys are.
 */
@ApplicationScoped
public class FleetCredentials implements LocalCredentials {

    private static final int CACHE_MAX = 200_000;

    private final TenantDb db;
    private final EnrollmentRepository repository;
    private final AccessDirectory directory;
    private final FleetClock clock;
    private final Map<String, Cached> instances = new ConcurrentHashMap<>();
    private final long cacheNanos;

    public FleetCredentials(TenantDb db, EnrollmentRepository repository, AccessDirectory directory, FleetClock clock,
                            FleetConfig config) {
        this.db = db;
        this.repository = repository;
        this.directory = directory;
        this.clock = clock;
        this.cacheNanos = config.credentialCache().toNanos();
    }

    @Override
    public boolean recognizes(String secret) {
        return secret.startsWith(FleetSecrets.TOKEN_PREFIX) || secret.startsWith(FleetSecrets.CREDENTIAL_PREFIX);
    }

    @Override
    public Uni<SecurityIdentity> authenticate(String secret) {
        String sha256 = ApiKeys.sha256(secret);
        if (secret.startsWith(FleetSecrets.TOKEN_PREFIX)) {
            return db.asPlatform(conn -> repository.usableToken(conn, sha256, clock.now()))
                    .map(token -> token.filter(t -> directory.organizationActive(t.orgId()))
                            .map(t -> FleetIdentity.token(t.id(), t.orgId(), t.agentId()))
                            .orElseThrow(() -> new AuthenticationFailedException("unusable enrolment token")));
        }
        Cached cached = instances.get(sha256);
        if (cached != null && System.nanoTime() - cached.at() < cacheNanos) {
            return directory.organizationActive(cached.org()) ? Uni.createFrom().item(cached.identity())
                    : Uni.createFrom().failure(new AuthenticationFailedException("organization disabled"));
        }
        return db.asPlatform(conn -> repository.credentialHolder(conn, sha256))
                .map(holder -> holder.filter(h -> directory.organizationActive(h.orgId()))
                        .map(h -> {
                            SecurityIdentity identity = FleetIdentity.instance(h.instanceId(), h.orgId(), h.agentId());
                            if (instances.size() >= CACHE_MAX) {
                                instances.clear();
                            }
                            instances.put(sha256, new Cached(identity, h.orgId(), System.nanoTime()));
                            return identity;
                        })
                        .orElseThrow(() -> new AuthenticationFailedException("unknown instance credential")));
    }

    /** Forgets the credentials of a deregistered instance (on this replica; others forget within the cache time). */
    public void forget(String instanceId) {
        instances.values().removeIf(c -> instanceId.equals(FleetIdentity.instanceId(c.identity())));
    }

    private record Cached(SecurityIdentity identity, UUID org, long at) {
    }
}
