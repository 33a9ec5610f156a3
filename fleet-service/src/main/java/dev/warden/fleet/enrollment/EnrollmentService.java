package dev.warden.fleet.enrollment;

import dev.warden.api.ApiException;
import dev.warden.api.PageRequest;
import dev.warden.events.EventTypes;
import dev.warden.events.fleet.FleetEvents.EnrollmentTokenChanged;
import dev.warden.fleet.FleetClock;
import dev.warden.fleet.enrollment.EnrollmentRepository.Token;
import dev.warden.fleet.instance.InstanceRepository;
import dev.warden.fleet.projection.FleetProjection;
import dev.warden.outbox.Outbox;
import dev.warden.outbox.ReplayOffsets;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.tenancy.db.Projections;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.ApiKeys;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** Enrolment tokens: issued by an admin, shown once, used up by registrations; each issue and revocation published. */
@ApplicationScoped
public class EnrollmentService {

    private final TenantDb db;
    private final EnrollmentRepository tokens;
    private final InstanceRepository instances;
    private final FleetClock clock;
    private final Outbox outbox;
    private final Projections projections;
    private final ReplayOffsets offsets;

    public EnrollmentService(TenantDb db, EnrollmentRepository tokens, InstanceRepository instances, FleetClock clock,
                             Outbox outbox, Projections projections, ReplayOffsets offsets) {
        this.db = db;
        this.offsets = offsets;
        this.tokens = tokens;
        this.instances = instances;
        this.clock = clock;
        this.outbox = outbox;
        this.projections = projections;
    }

    /** A new token and its secret (the only time it is seen). An agent to pin it to must be one fleet-service knows. */
    public Uni<Issued> issue(UUID org, String by, UUID agentId, Duration lifetime, int maxUses) {
        String secret = FleetSecrets.newToken();
        Instant now = clock.now();
        // An agent created a moment ago may not have reached fleet-service yet: waited for, then a 404 once the broker
        // confirms it has nothing more of it (a 503 when it cannot)
        return projections.withCatchUp(org, () -> db.inOrg(org, conn -> (agentId == null ? Uni.createFrom().item(true)
                        : instances.agentKnown(conn, agentId))
                .chain(known -> {
                    if (!known) {
                        throw Projections.notYetKnown("Agent");
                    }
                    return instances.refuseSuspended(conn, agentId).chain(() -> tokens.insert(conn, UUID.randomUUID(),
                            org, ApiKeys.sha256(secret), agentId, maxUses, now.plus(lifetime), now, by));
                }).call(token -> publish(conn, EventTypes.FLEET_ENROLLMENT_TOKEN_ISSUED, token, by, now))),
                conn -> instances.agentKnown(conn, agentId),
                offsets.agentApplied(FleetProjection.GROUP, agentId))
                .map(token -> new Issued(token, secret));
    }

    /** A page of the organization's tokens, and the moment their states are told at. */
    public Uni<Listed> list(UUID org, PageRequest page, String by, boolean usableOnly) {
        Instant now = clock.now();
        return db.inOrg(org, conn -> tokens.page(conn, page, by, usableOnly, now)).map(found -> new Listed(found, now));
    }

    public record Listed(ListQuery.Page<Token> page, Instant at) {
    }

    /** Revokes a token on behalf of {@code by}; revoking a revoked token changes and publishes nothing. */
    public Uni<Void> revoke(UUID org, String by, UUID id) {
        Instant now = clock.now();
        return db.inOrg(org, conn -> tokens.revoke(conn, id, now).chain(revoked -> revoked.isPresent()
                ? publish(conn, EventTypes.FLEET_ENROLLMENT_TOKEN_REVOKED, revoked.get(), by, now)
                : tokens.exists(conn, id).invoke(found -> {
                    if (!found) {
                        throw ApiException.notFound("Enrollment token");
                    }
                }).replaceWithVoid()));
    }

    /**
     * The token's change on {@code warden.fleet.v1}, in the transaction that makes it: the audit trail's record of
     * who issued or revoked which token. Keyed by the agent it is pinned to, else by its own id; never its hash.
     */
    private Uni<Void> publish(SqlConnection conn, String type, Token token, String actor, Instant at) {
        String key = (token.agentId() != null ? token.agentId() : token.id()).toString();
        return outbox.emit(conn, token.orgId(), type, "enrollment-token:" + token.id(), key,
                new EnrollmentTokenChanged(token.id(), token.orgId(), token.agentId(), token.maxUses(), token.expiresAt(),
                        token.createdAt(), token.createdBy(), actor, at)).replaceWithVoid();
    }

    public record Issued(Token token, String secret) {
    }
}
