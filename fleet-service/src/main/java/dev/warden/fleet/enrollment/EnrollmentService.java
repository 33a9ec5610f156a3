package dev.warden.fleet.enrollment;

import dev.warden.api.ApiException;
import dev.warden.fleet.FleetClock;
import dev.warden.fleet.enrollment.EnrollmentRepository.Token;
import dev.warden.fleet.instance.InstanceRepository;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.ApiKeys;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** Enrolment tokens: issued by an admin, shown once, used up by registrations. */
@ApplicationScoped
public class EnrollmentService {

    private final TenantDb db;
    private final EnrollmentRepository tokens;
    private final InstanceRepository instances;
    private final FleetClock clock;

    public EnrollmentService(TenantDb db, EnrollmentRepository tokens, InstanceRepository instances, FleetClock clock) {
        this.db = db;
        this.tokens = tokens;
        this.instances = instances;
        this.clock = clock;
    }

    /** A new token and its secret (the only time it is seen). An agent to pin it to must be one fleet-service knows. */
    public Uni<Issued> issue(UUID org, String by, UUID agentId, Duration lifetime, int maxUses) {
        String secret = FleetSecrets.newToken();
        Instant now = clock.now();
        return db.inOrg(org, conn -> (agentId == null ? Uni.createFrom().item(true) : instances.agentKnown(conn, agentId))
                .chain(known -> {
                    if (!known) {
                        throw ApiException.notFound("Agent");
                    }
                    return tokens.insert(conn, UUID.randomUUID(), org, ApiKeys.sha256(secret), agentId, maxUses,
                            now.plus(lifetime), now, by);
                }))
                .map(token -> new Issued(token, secret));
    }

    public Uni<Void> revoke(UUID org, UUID id) {
        return db.inOrg(org, conn -> tokens.revoke(conn, id, clock.now())).invoke(found -> {
            if (!found) {
                throw ApiException.notFound("Enrollment token");
            }
        }).replaceWithVoid();
    }

    public record Issued(Token token, String secret) {
    }
}
