package dev.warden.fleet.instance;

import dev.warden.api.UnavailableException;
import dev.warden.fleet.FleetConfig;
import dev.warden.fleet.instance.InstanceRepository.Beat;
import dev.warden.fleet.instance.InstanceRepository.HeartbeatWrite;
import dev.warden.fleet.instance.InstanceRepository.Revived;
import dev.warden.fleet.liveness.TransitionEvents;
import dev.warden.fleet.liveness.Transitions;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.TenantDb;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The heartbeat write path: group commit. Heartbeats queue here; up to {@code warden.fleet.heartbeat-writers} batches
 * are written at once, each batch one statement and one commit per organization, with whatever queued while the
 * previous batches were written (up to {@code warden.fleet.heartbeat-batch-size}). The statement updates the instances
 * that are online, which is all of them in a steady fleet; only when some were not does a second one lock the rest and
 * bring them back online with their events. An idle service writes a lone
 * heartbeat at once; a busy one writes hundreds per commit instead of a transaction each. A heartbeat is answered only
 * after its batch committed, so an acknowledged heartbeat is in the database; a transition back to online is written
 * to the outbox in the same transaction. At most ten batches' worth wait (20,000 by default); beyond that a heartbeat
 * is answered 503 with Retry-After at once, so memory stays bounded when the database falls behind.
 */
@ApplicationScoped
public class HeartbeatWriter {

    private final TenantDb db;
    private final InstanceRepository instances;
    private final TransitionEvents events;
    private final int batchSize;
    private final int writers;
    private final int maxQueued;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Counter written;
    private final DistributionSummary batches;
    private int running;

    public HeartbeatWriter(TenantDb db, InstanceRepository instances, TransitionEvents events, FleetConfig config,
                           MeterRegistry meters) {
        this.db = db;
        this.instances = instances;
        this.events = events;
        this.batchSize = config.heartbeatBatchSize();
        this.writers = config.heartbeatWriters();
        this.maxQueued = batchSize * writers * 10;
        this.written = Counter.builder("warden.fleet.heartbeats.written")
                .description("Heartbeats committed (acknowledged)").register(meters);
        this.batches = DistributionSummary.builder("warden.fleet.heartbeat.batch.size")
                .description("Heartbeats per group commit (one statement and one commit per organization)").register(meters);
    }

    /** Writes the heartbeat with the next batch; empty when the organization has no such live instance. */
    public Uni<Optional<Beat>> write(UUID org, HeartbeatWrite beat) {
        return Uni.createFrom().emitter(emitter -> {
            synchronized (this) {
                if (queue.size() >= maxQueued) {
                    // The database is not keeping up: answer 503 with Retry-After rather than queue without bound.
                    emitter.fail(new UnavailableException("database", null));
                    return;
                }
                queue.add(new Pending(org, beat, emitter));
            }
            drain();
        });
    }

    private void drain() {
        while (true) {
            List<Pending> batch = new ArrayList<>();
            synchronized (this) {
                if (running >= writers || queue.isEmpty()) {
                    return;
                }
                running++;
                while (batch.size() < batchSize && !queue.isEmpty()) {
                    batch.add(queue.poll());
                }
            }
            writeBatch(batch).subscribe().with(done -> finished(), failure -> finished());
        }
    }

    private void finished() {
        synchronized (this) {
            running--;
        }
        drain();
    }

    private Uni<Void> writeBatch(List<Pending> batch) {
        Map<UUID, Map<String, List<Pending>>> byOrg = new LinkedHashMap<>();
        for (Pending p : batch) {
            byOrg.computeIfAbsent(p.org(), o -> new LinkedHashMap<>())
                    .computeIfAbsent(p.beat().id(), id -> new ArrayList<>()).add(p);
        }
        List<Uni<Void>> writes = new ArrayList<>(byOrg.size());
        byOrg.forEach((org, byInstance) -> writes.add(writeOrg(org, byInstance)));
        return Uni.join().all(writes).andCollectFailures().replaceWithVoid().onFailure().recoverWithNull();
    }

    private Uni<Void> writeOrg(UUID org, Map<String, List<Pending>> byInstance) {
        // One write per instance: the latest of its heartbeats in the batch; all of them get its answer. Sorted by id,
        // the order every heartbeat statement locks rows in.
        List<HeartbeatWrite> writes = new ArrayList<>(byInstance.size());
        byInstance.values().forEach(ps -> writes.add(ps.getLast().beat()));
        writes.sort(Comparator.comparing(HeartbeatWrite::id));
        return db.inOrg(org, conn -> instances.onlineHeartbeats(conn, writes).chain(online -> {
                    if (online.size() == writes.size()) {
                        return Uni.createFrom().item(online);
                    }
                    // Some were not online (or are not live): bring the live ones back, each with its transition event.
                    Set<String> done = online.stream().map(Beat::id).collect(Collectors.toSet());
                    List<HeartbeatWrite> rest = writes.stream().filter(w -> !done.contains(w.id())).toList();
                    return instances.revive(conn, rest).call(revived -> {
                        List<Outbox.Message> transitions = new ArrayList<>();
                        for (Revived r : revived) {
                            if (!Transitions.ONLINE.equals(r.previousStatus())) {
                                transitions.add(Transitions.message(r.instance(), r.previousStatus(), Transitions.ONLINE,
                                        r.previousHeartbeat(), r.instance().lastHeartbeat(), null));
                            }
                        }
                        return events.emit(conn, org, transitions);
                    }).map(revived -> {
                        List<Beat> all = new ArrayList<>(online);
                        revived.forEach(r -> all.add(r.beat()));
                        return all;
                    });
                }))
                .invoke(beats -> {
                    batches.record(writes.size());
                    written.increment(beats.size());
                    Map<String, Beat> found = new HashMap<>();
                    beats.forEach(b -> found.put(b.id(), b));
                    byInstance.forEach((id, ps) -> ps.forEach(p -> p.emitter().complete(Optional.ofNullable(found.get(id)))));
                })
                .onFailure().invoke(e -> byInstance.values().forEach(ps -> ps.forEach(p -> p.emitter().fail(e))))
                .replaceWithVoid();
    }

    private record Pending(UUID org, HeartbeatWrite beat, UniEmitter<? super Optional<Beat>> emitter) {
    }
}
