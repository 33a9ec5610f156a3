package dev.warden.registry.rebuild;

import dev.warden.outbox.EventConsumerLoop;
import dev.warden.outbox.ReplayOffsets;
import dev.warden.registry.projection.RegistryProjector;
import dev.warden.registry.rebuild.RebuildRepository.Current;
import dev.warden.tenancy.StartupOrder;
import dev.warden.tenancy.db.TenantDb;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The projection on this replica, on a thread of its own. Every {@code warden.registry.watch-interval} it reads the
 * projection's generation and the rebuild running, if any. A new generation closes this replica's consumer and starts
 * one for it, which replays the topics from their beginning (the database's fence refuses the old one meanwhile). A
 * running rebuild is measured against the offsets the group committed in its generation, recorded, and ended once
 * every partition reached its target: any replica may do it, and the first one does. What it read also serves the
 * views' {@code Warden-Projection} header and the gauges, so no request asks the database or the broker for it.
 */
@ApplicationScoped
public class ProjectionWatcher {

    private static final Logger LOG = Logger.getLogger(ProjectionWatcher.class);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final TenantDb db;
    private final RebuildRepository rebuilds;
    private final ReplayOffsets offsets;
    private final RegistryProjector projector;
    private final Duration interval;
    private volatile Rebuild rebuilding;
    private volatile long generation = -1;
    private volatile boolean running;
    private Thread thread;
    // The watcher thread's own.
    private EventConsumerLoop loop;
    private boolean failing;

    public ProjectionWatcher(TenantDb db, RebuildRepository rebuilds, ReplayOffsets offsets, RegistryProjector projector,
                             @ConfigProperty(name = "warden.registry.watch-interval", defaultValue = "1s") Duration interval,
                             MeterRegistry meters) {
        this.db = db;
        this.rebuilds = rebuilds;
        this.offsets = offsets;
        this.projector = projector;
        this.interval = interval;
        Gauge.builder("warden.registry.rebuild.progress", this, ProjectionWatcher::progress)
                .description("Share of the running rebuild's records replayed into the projection, 0 to 1; 1 while none runs")
                .register(meters);
        Gauge.builder("warden.registry.projection.generation", this, w -> w.generation)
                .description("The generation this replica's projection consumer applies; each rebuild starts the next")
                .register(meters);
    }

    void onStart(@Observes @Priority(StartupOrder.CONSUMERS) StartupEvent event) {
        running = true;
        thread = Thread.ofPlatform().name("warden-registry-projection").start(this::run);
    }

    /** Before the consumers close (EventConsumers), so that none starts meanwhile. */
    void onStop(@Observes @Priority(StartupOrder.STOP_CONSUMER_STARTERS) ShutdownEvent event) {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A rebuild this replica is starting: its views say so at once, before the projection is emptied; the next look at
     * the database replaces it with the rebuild as measured (or with none, if it did not start).
     */
    void starting(Rebuild rebuild) {
        rebuilding = rebuild;
    }

    /** The rebuild running, as this replica last measured it. */
    public Optional<Rebuild> rebuilding() {
        return Optional.ofNullable(rebuilding);
    }

    private double progress() {
        Rebuild now = rebuilding;
        return now == null ? 1.0 : now.percent() / 100;
    }

    private void run() {
        while (running) {
            try {
                watch();
                if (failing) {
                    LOG.info("The registry projection's watcher reaches the database and the broker again");
                    failing = false;
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                if (!failing) {
                    LOG.warnf("The registry projection's watcher cannot read the generation or a rebuild's progress, "
                            + "retrying: %s", e.getMessage());
                    failing = true;
                }
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void watch() {
        Current current = db.asPlatform(rebuilds::current).await().atMost(WAIT);
        follow(current.generation());
        rebuilding = current.running() == null ? null : measure(current.running());
    }

    /** Consumes for {@code now}: a consumer of another generation is closed first. */
    private void follow(long now) {
        if (loop != null && loop.generation() == now) {
            return;
        }
        if (loop != null) {
            LOG.infof("The registry projection is at generation %d: this replica replays the topics into it", now);
            loop.close();
        }
        loop = projector.consume(now);
        generation = now;
    }

    /** The rebuild as measured now, recorded; null once it has ended. */
    private Rebuild measure(Rebuild recorded) {
        Map<TopicPartition, Long> committed = offsets.committed(RegistryProjector.GROUP, recorded.generation())
                .await().atMost(WAIT);
        Rebuild measured = recorded.measured(committed);
        if (measured.reached()) {
            measured = measured.ended(Rebuild.DONE, null);
        } else {
            Optional<String> lost = measured.unreachable(offsets.capture(RegistryProjector.TOPICS).await().atMost(WAIT));
            if (lost.isPresent()) {
                measured = measured.ended(Rebuild.FAILED, lost.get());
            }
        }
        if (measured.running() && measured.partitions().equals(recorded.partitions())) {
            return measured;
        }
        Rebuild now = measured;
        boolean ended = db.asPlatform(conn -> rebuilds.record(conn, now)).await().atMost(WAIT) && !now.running();
        if (ended) {
            LOG.infof("Rebuild %s of the registry projection %s: %d of %d records replayed%s", now.id(), now.state(),
                    now.replayed(), now.toReplay(), now.reason() == null ? "" : " (" + now.reason() + ")");
        }
        return now.running() ? now : null;
    }
}
