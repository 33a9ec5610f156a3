package dev.warden.agent.registration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.warden.agent.access.AccessRepository;
import dev.warden.api.ApiException;
import dev.warden.api.Params;
import dev.warden.tenancy.db.TenantDb;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Registration without a credential, for organizations whose admin turned it on: {@code ?org=} names the organization
 * (its name or id), and each source address gets {@code warden.registration.open-rate-per-minute} calls a minute
 * (Bucket4j token buckets, at most {@link #ADDRESSES} addresses remembered, per replica). An organization that is
 * unknown, disabled or closed answers the same 401, so the endpoint tells nobody which organizations exist.
 */
@ApplicationScoped
public class OpenRegistration {

    /** The most source addresses whose buckets are kept; the least recently seen go first. */
    static final int ADDRESSES = 100_000;

    private final TenantDb db;
    private final AccessRepository access;
    private final RegistrationConfig config;
    private final Cache<String, Bucket> buckets;

    public OpenRegistration(TenantDb db, AccessRepository access, RegistrationConfig config) {
        this.db = db;
        this.access = access;
        this.config = config;
        this.buckets = Caffeine.newBuilder().maximumSize(ADDRESSES).expireAfterAccess(Duration.ofMinutes(10)).build();
    }

    /** The organization this anonymous call registers in; 429 past the address's limit, 401 when it is not open. */
    public Uni<UUID> organization(String org, String address) {
        if (org == null || org.isBlank()) {
            throw unauthorized("Give a credential, or ?org=<organization> for an organization with open registration");
        }
        // An organization's id or name: what cannot be one (a NUL, which PostgreSQL cannot take) is a 400, not a 500
        Params.optionalText("org", org, 200);
        int perMinute = config.openRatePerMinute();
        Bucket bucket = buckets.get(address, a -> Bucket.builder()
                .addLimit(limit -> limit.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1))).build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            throw ApiException.tooManyRequests("Too many open registration calls from this address; at most " + perMinute
                    + " a minute", Duration.ofNanos(probe.getNanosToWaitForRefill()));
        }
        return db.asPlatform(conn -> access.openForRegistration(conn, org)).map(found -> {
            if (found == null) {
                throw unauthorized("That organization does not take registrations without a credential");
            }
            return found;
        });
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message, List.of());
    }
}
