package dev.warden.fleet.liveness;

import dev.warden.events.EventTypes;
import dev.warden.events.fleet.FleetEvents;
import dev.warden.fleet.FleetClock;
import dev.warden.fleet.FleetConfig;
import dev.warden.fleet.instance.Instance;
import dev.warden.fleet.instance.InstanceRepository;
import dev.warden.outbox.LeaderJob;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.TenantDb;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Marks silent instances stale, then offline: a leader job, so one replica of the cluster sweeps at a time, every
 * {@code warden.fleet.sweep-interval} (by default a 20th of the stale threshold: an instance is marked at most 5% of
 * its threshold late). Each transition and its event on {@code warden.fleet.v1} commit together. Every
 * {@link #COUNT_EVERY} the round also counts live instances per status for {@code warden_fleet_instances{status}}
 * (NaN on a replica that has not swept: take the max across replicas).
 */
@ApplicationScoped
public class LivenessSweep implements LeaderJob {

    static final long LOCK_ID = 0x666c656574_01L;
    static final int BATCH = 1000;
    static final Duration COUNT_EVERY = Duration.ofSeconds(15);

    private final TenantDb db;
    private final LivenessRepository repository;
    private final TransitionEvents events;
    private final Outbox outbox;
    private final FleetClock clock;
    private final FleetConfig config;
    private final InstanceRepository instances;
    private final AtomicReference<Map<String, Long>> counted = new AtomicReference<>();
    private volatile Instant countedAt = Instant.EPOCH;

    public LivenessSweep(TenantDb db, LivenessRepository repository, TransitionEvents events, Outbox outbox,
                         FleetClock clock, FleetConfig config, InstanceRepository instances, MeterRegistry registry) {
        this.db = db;
        this.repository = repository;
        this.events = events;
        this.outbox = outbox;
        this.clock = clock;
        this.config = config;
        this.instances = instances;
        config.check();
        for (String status : List.of(Transitions.ONLINE, Transitions.STALE, Transitions.OFFLINE)) {
            Gauge.builder("warden.fleet.instances", counted, c -> c.get() == null ? Double.NaN : c.get().getOrDefault(status, 0L))
                    .tag("status", status).description("Live fleet instances per status, counted by the sweep")
                    .register(registry);
        }
    }

    @Override
    public String name() {
        return "fleet-liveness";
    }

    @Override
    public long lockId() {
        return LOCK_ID;
    }

    @Override
    public Optional<Duration> interval() {
        return Optional.of(config.sweepPeriod());
    }

    @Override
    public boolean enabled() {
        return config.sweepEnabled();
    }

    @Override
    public boolean runOnce(Connection conn) {
        try {
            return sweep(clock.now()).await().atMost(Duration.ofMinutes(1)).more();
        } catch (RuntimeException e) {
            throw new RetryLater("liveness sweep failed: " + e.getMessage());
        }
    }

    /** One round at {@code now}: what moved, and whether more is due. */
    public Uni<Swept> sweep(Instant now) {
        Instant staleCutoff = now.minus(config.staleAfter());
        Instant offlineCutoff = now.minus(config.offlineAfter());
        return db.asPlatform(conn -> repository.move(conn, Transitions.ONLINE, Transitions.STALE, staleCutoff, now, BATCH)
                .chain(stale -> repository.move(conn, Transitions.STALE, Transitions.OFFLINE, offlineCutoff, now, BATCH)
                        .chain(offline -> {
                            Map<UUID, List<Outbox.Message>> byOrg = new LinkedHashMap<>();
                            for (Instance i : stale) {
                                byOrg.computeIfAbsent(i.orgId(), o -> new ArrayList<>()).add(
                                        Transitions.message(i, Transitions.ONLINE, Transitions.STALE, i.lastHeartbeat(), now, null));
                            }
                            for (Instance i : offline) {
                                byOrg.computeIfAbsent(i.orgId(), o -> new ArrayList<>()).add(
                                        Transitions.message(i, Transitions.STALE, Transitions.OFFLINE, i.lastHeartbeat(), now, null));
                            }
                            Uni<Void> emitted = Uni.createFrom().voidItem();
                            for (var e : byOrg.entrySet()) {
                                emitted = emitted.chain(() -> events.emit(conn, e.getKey(), e.getValue()));
                            }
                            emitted = emitted.chain(() -> events.forgetBefore(conn, now.minus(TransitionEvents.KEPT)));
                            return emitted.chain(() -> summarize(conn, now, config.summaryInterval()))
                                    .call(() -> count(conn, now))
                                    .map(summarized -> new Swept(stale.size(), offline.size(),
                                            stale.size() == BATCH || offline.size() == BATCH || summarized == BATCH));
                        })));
    }

    private Uni<Void> count(io.vertx.mutiny.sqlclient.SqlConnection conn, Instant now) {
        if (now.isBefore(countedAt.plus(COUNT_EVERY))) {
            return Uni.createFrom().voidItem();
        }
        return instances.countsByStatus(conn).invoke(c -> {
            counted.set(Map.copyOf(c));
            countedAt = now;
        }).replaceWithVoid();
    }

    /** Publishes the figures of online instances not summarized for {@code interval}; answers how many. */
    Uni<Integer> summarize(io.vertx.mutiny.sqlclient.SqlConnection conn, Instant now, Duration interval) {
        return repository.summarize(conn, now.minus(interval), now, BATCH).chain(due -> {
            Map<UUID, List<Outbox.Message>> byOrg = new LinkedHashMap<>();
            for (Instance i : due) {
                byOrg.computeIfAbsent(i.orgId(), o -> new ArrayList<>()).add(new Outbox.Message(
                        EventTypes.FLEET_INSTANCE_SUMMARY, i.subject(), i.subject(), new FleetEvents.InstanceSummary(
                        i.event(), i.cpu(), i.memory(), i.uptime(), i.activePolicyVersion(), now)));
            }
            Uni<Void> emitted = Uni.createFrom().voidItem();
            for (var e : byOrg.entrySet()) {
                emitted = emitted.chain(() -> outbox.emitAll(conn, e.getKey(), e.getValue()).replaceWithVoid());
            }
            return emitted.replaceWith(due.size());
        });
    }

    /** How many instances one round marked stale and offline, and whether more were due than it took. */
    public record Swept(int stale, int offline, boolean more) {
    }
}
