package dev.warden.fleet.instance;

import dev.warden.api.ApiException;
import dev.warden.fleet.FleetClock;
import dev.warden.fleet.enrollment.EnrollmentRepository;
import dev.warden.fleet.enrollment.FleetCredentials;
import dev.warden.fleet.enrollment.FleetSecrets;
import dev.warden.fleet.instance.InstanceRepository.Beat;
import dev.warden.fleet.instance.InstanceRepository.HeartbeatWrite;
import dev.warden.fleet.liveness.TransitionEvents;
import dev.warden.fleet.liveness.Transitions;
import dev.warden.fleet.projection.FleetProjection;
import dev.warden.outbox.ReplayOffsets;
import dev.warden.tenancy.db.ListQuery;
import dev.warden.tenancy.db.Projections;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.ApiKeys;
import io.quarkus.security.AuthenticationFailedException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Registration, heartbeats, deregistration and reads of fleet instances; every change in one transaction. */
@ApplicationScoped
public class InstanceService {

    static final Duration RECENT_THREATS = Duration.ofHours(24);

    private final TenantDb db;
    private final InstanceRepository instances;
    private final EnrollmentRepository tokens;
    private final HeartbeatWriter heartbeats;
    private final FleetCredentials credentials;
    private final TransitionEvents events;
    private final FleetClock clock;
    private final Projections projections;
    private final ReplayOffsets offsets;

    public InstanceService(TenantDb db, InstanceRepository instances, EnrollmentRepository tokens,
                           HeartbeatWriter heartbeats, FleetCredentials credentials, TransitionEvents events, FleetClock clock,
                           Projections projections, ReplayOffsets offsets) {
        this.db = db;
        this.offsets = offsets;
        this.instances = instances;
        this.tokens = tokens;
        this.heartbeats = heartbeats;
        this.credentials = credentials;
        this.events = events;
        this.clock = clock;
        this.projections = projections;
    }

    /** What registering needs: the instance's facts, and the enrolment token used (null with an operator's credential). */
    public record Registration(String hostname, String os, String version, String ip, List<String> tags, UUID agentId,
                               UUID tokenId, String by) {
    }

    public record Registered(Instance instance, String credential) {
    }

    public Uni<Registered> register(UUID org, Registration r) {
        String id = FleetSecrets.newInstanceId();
        String credential = FleetSecrets.newCredential();
        var now = clock.now();
        // An agent created a moment ago may not have reached fleet-service yet: waited for, then a 404 once the broker
        // confirms it has nothing more of it (a 503 when it cannot)
        return projections.withCatchUp(org, () -> db.inOrg(org, conn -> (r.tokenId() == null ? Uni.createFrom().item(true)
                        : tokens.consume(conn, r.tokenId(), now))
                .chain(usable -> {
                    if (!usable) {
                        // Used up (or revoked, or expired) between authentication and now: the same 401.
                        throw new AuthenticationFailedException("enrolment token no longer usable");
                    }
                    return r.agentId() == null ? Uni.createFrom().item(true) : instances.agentKnown(conn, r.agentId());
                })
                .chain(known -> {
                    if (!known) {
                        throw Projections.notYetKnown("Agent");
                    }
                    return instances.refuseSuspended(conn, r.agentId()).chain(() -> instances.insert(conn, id, org,
                            r.agentId(), r.hostname(), r.os(), r.version(), r.ip(), r.tags(), now,
                            ApiKeys.sha256(credential), r.by()));
                })
                .call(instance -> events.emit(conn, org, List.of(
                        Transitions.message(instance, null, Transitions.ONLINE, now, now, r.by(), ApiKeys.sha256(credential)))))),
                conn -> instances.agentKnown(conn, r.agentId()),
                offsets.agentApplied(FleetProjection.GROUP, r.agentId()))
                .map(instance -> new Registered(instance, credential));
    }

    /** A heartbeat, written with the next batch (see {@link HeartbeatWriter}); 404 unless a live instance of the org. */
    public Uni<Beat> heartbeat(UUID org, String id, Double uptime, Double cpu, Double memory, String version,
                               Integer activePolicyVersion) {
        return heartbeats.write(org, new HeartbeatWrite(id, cpu, memory, uptime, version, activePolicyVersion, clock.now()))
                .map(beat -> beat.orElseThrow(() -> ApiException.notFound("Agent")));
    }

    public Uni<Void> deregister(UUID org, String id, String by) {
        var now = clock.now();
        return db.inOrg(org, conn -> instances.lock(conn, id).chain(found -> {
                    Instance before = found.orElseThrow(() -> ApiException.notFound("Agent"));
                    return instances.deregister(conn, id, now).call(after -> events.emit(conn, org, List.of(
                            Transitions.message(after, before.status(), Transitions.DEREGISTERED, before.lastHeartbeat(),
                                    now, by))));
                }))
                .invoke(() -> credentials.forget(id))
                .replaceWithVoid();
    }

    /** The instance with its agent's recent drift and policy version. */
    public Uni<Detailed> get(UUID org, String id) {
        var since = clock.now().minus(RECENT_THREATS);
        return db.inOrg(org, conn -> instances.find(conn, id).chain(found -> {
            Instance i = found.orElseThrow(() -> ApiException.notFound("Agent"));
            return instances.driftSince(conn, i.agentId(), since).map(threats -> new Detailed(i, threats));
        }));
    }

    /** A page of the list, and the organization's live instances per status. */
    public Uni<Listed> list(UUID org, InstanceQuery query) {
        return db.inOrg(org, conn -> instances.page(conn, query).chain(page ->
                instances.countsByStatus(conn).map(counts -> new Listed(page, counts))));
    }

    public record Listed(ListQuery.Page<Instance> page, java.util.Map<String, Long> counts) {
    }

    public record Detailed(Instance instance, long recentThreats) {
    }

}
