package dev.warden.outbox;

import dev.warden.tenancy.StartupOrder;
import dev.warden.tenancy.kafka.KafkaClients;
import dev.warden.outbox.EventConsumerLoop.BatchHandler;
import dev.warden.outbox.EventConsumerLoop.RecordingHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one way a service consumes Kafka: {@code start(group, topics, handler)} at startup, closed at shutdown. Why: every
 * consumer then commits at least once and dead-letters a poison event instead of stalling its group.
 */
@ApplicationScoped
public class EventConsumers {

    private final KafkaClients kafka;
    private final EventConsumerConfig config;
    private final DeadLetters deadLetters;
    private final MeterRegistry meters;
    private final OpenTelemetry openTelemetry;
    private final Vertx vertx;
    private final KeptPositions positions;
    private final List<EventConsumerLoop> started = new CopyOnWriteArrayList<>();

    public EventConsumers(KafkaClients kafka, EventConsumerConfig config, DeadLetters deadLetters, MeterRegistry meters,
                          OpenTelemetry openTelemetry, Vertx vertx, KeptPositions positions) {
        this.positions = positions;
        this.vertx = vertx;
        this.kafka = kafka;
        this.config = config;
        this.deadLetters = deadLetters;
        this.meters = meters;
        this.openTelemetry = openTelemetry;
    }

    /**
     * Consumes {@code topics} as consumer group {@code group} from now until shutdown, handing each polled batch to
     * {@code handler}, which must be idempotent by event id and dead-letter what it cannot parse; retries and backoff
     * follow {@code warden.consumer.*} ({@link EventConsumerConfig}). Closing the loop returned stops it earlier.
     * The loop traces each batch and reports the group's {@code warden_consumer_*} metrics.
     */
    public EventConsumerLoop start(String group, Collection<String> topics, BatchHandler handler) {
        return start(group, topics, handler, 0);
    }

    /**
     * {@link #start(String, Collection, BatchHandler)} for a projection that can be rebuilt by replaying its topics from
     * offset zero: the loop commits under {@code generation} and consumes from its beginning every partition whose
     * offsets were committed under an older one (see {@link EventConsumerLoop}). To rebuild, a service empties its
     * projection, then closes its loop on every replica and starts one of the next generation; the group, its offsets
     * and its ACLs stay the same. {@link ReplayOffsets} measures how far the new generation has come.
     */
    public EventConsumerLoop start(String group, Collection<String> topics, BatchHandler handler, long generation) {
        return started(EventConsumerLoop.start(kafka, config, deadLetters, group, topics,
                EventConsumerLoop.ignoringReplays(handler),
                new ConsumerTelemetry(meters, openTelemetry, vertx, group).consuming(topics), generation, null));
    }

    /**
     * {@link #start(String, Collection, BatchHandler)} for a consumer that records history (audit-service's chain):
     * its positions are kept in the service's database too ({@link KeptPositions}), and a partition the database has
     * applied less far than the broker's offsets say, after a restore, is applied again from there; each batch's
     * {@link EventConsumerLoop.Replay} tells {@code handler} which of its records come again (audit-service marks the
     * restore in each chain that lost entries).
     */
    public EventConsumerLoop startRecording(String group, Collection<String> topics, RecordingHandler handler) {
        return started(EventConsumerLoop.start(kafka, config, deadLetters, group, topics, handler,
                new ConsumerTelemetry(meters, openTelemetry, vertx, group).consuming(topics), 0, positions));
    }

    private EventConsumerLoop started(EventConsumerLoop loop) {
        started.add(loop);
        return loop;
    }

    /** The loops started and not closed yet. */
    List<EventConsumerLoop> started() {
        started.removeIf(EventConsumerLoop::isClosed);
        return List.copyOf(started);
    }

    /** Before the producer that dead-letters closes (default priority), so a loop never sees it closed. */
    void onStop(@Observes @Priority(StartupOrder.STOP_CONSUMERS) ShutdownEvent event) {
        started.forEach(EventConsumerLoop::close);
        started.clear();
    }
}
