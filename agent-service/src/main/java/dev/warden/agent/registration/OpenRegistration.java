package dev.warden.agent.registration;

import dev.warden.agent.access.AccessRepository;
import dev.warden.api.ApiException;
import dev.warden.api.Params;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Registration without a credential, for organizations whose admin turned it on: {@code ?org=} names the organization
 * (its name or id), and each source address gets {@code warden.registration.open-rate-per-minute} calls a minute,
 * as many at once, counted in the database across every replica and every organization it names
 * ({@link RegistrationRepository#spendOpenCall}). An organization that is unknown, disabled or closed answers the same
 * 401, so the endpoint tells nobody which organizations exist.
 */
@ApplicationScoped
public class OpenRegistration {

    private final TenantDb db;
    private final AccessRepository access;
    private final RegistrationRepository registrations;
    private final RegistrationConfig config;

    public OpenRegistration(TenantDb db, AccessRepository access, RegistrationRepository registrations,
                            RegistrationConfig config) {
        this.db = db;
        this.access = access;
        this.registrations = registrations;
        this.config = config;
    }

    /** The organization this anonymous call registers in; 429 past the address's limit, 401 when it is not open. */
    public Uni<UUID> organization(String org, String address) {
        if (org == null || org.isBlank()) {
            throw unauthorized("Give a credential, or ?org=<organization> for an organization with open registration");
        }
        // An organization's id or name: what cannot be one (a NUL, which PostgreSQL cannot take) is a 400, not a 500
        Params.optionalText("org", org, 200);
        int perMinute = config.openRatePerMinute();
        Duration interval = Duration.ofMinutes(1).dividedBy(perMinute);
        // The call is counted whatever the organization: unknown names cost an address as much as open ones
        return db.asPlatform(conn -> registrations.spendOpenCall(conn, address, interval, interval.multipliedBy(perMinute - 1))
                .chain(wait -> {
                    if (wait != null) {
                        throw ApiException.tooManyRequests("Too many open registration calls from this address; at most "
                                + perMinute + " a minute", wait);
                    }
                    return access.openForRegistration(conn, org);
                })).map(found -> {
                    if (found == null) {
                        throw unauthorized("That organization does not take registrations without a credential");
                    }
                    return found;
                });
    }

    /** Forgets addresses whose next call is due already (the registration sweep's leader calls it each round). */
    public Uni<Integer> forgetIdleAddresses() {
        return db.asPlatform(registrations::forgetIdleAddresses);
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message, List.of());
    }
}
