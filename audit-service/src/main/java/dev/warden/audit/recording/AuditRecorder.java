package dev.warden.audit.recording;

import dev.warden.audit.chain.ChainAppender;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.Topics;
import dev.warden.observability.TraceContext;
import dev.warden.audit.drift.DriftDetector.Incoming;
import dev.warden.outbox.DeadLetters;
import dev.warden.outbox.EventConsumers;
import dev.warden.tenancy.StartupOrder;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Records every event of the agent, fleet, execution, agent-action and access topics in the audit chain, a polled
 * batch at a time: one transaction per organization per batch, not one per entry. Unparseable messages go to their
 * dead-letter topic; everything else is recorded exactly once, by event id. A tombstone of the compacted access topic
 * (a null value) is no event and is passed over. An event the chain refuses (a missing action, a NUL character) fails
 * its batch; {@link EventConsumers} then isolates it and dead-letters it alone.
 */
@ApplicationScoped
public class AuditRecorder {

    public static final String GROUP = "audit-service";
    public static final List<String> TOPICS = List.of(Topics.AGENTS, Topics.FLEET, Topics.EXECUTIONS, Topics.AGENT_ACTIONS,
            Topics.ACCESS);

    private final ChainAppender chain;
    private final DeadLetters deadLetters;

    public AuditRecorder(ChainAppender chain, DeadLetters deadLetters) {
        this.chain = chain;
        this.deadLetters = deadLetters;
    }

    /**
     * After the migrations and the leader jobs; the consumer recipe retries, isolates poison and closes at shutdown.
     * A recording consumer: its positions are kept in this database too, so after a restore of it to an earlier point
     * the events the restore took out of the chain are recorded again, not skipped (KeptPositions).
     */
    void onStart(@Observes @Priority(StartupOrder.CONSUMERS) StartupEvent event, EventConsumers consumers) {
        consumers.startRecording(GROUP, TOPICS, this::record);
    }

    /** Records a batch: parsed events grouped by organization, in their order; the unparseable dead-lettered. */
    public Uni<Void> record(List<ConsumerRecord<String, String>> records) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        // The batch's span is current here, on the consumer's thread; the appends run on other threads.
        String traceparent = TraceContext.currentTraceparent();
        Map<UUID, List<Incoming>> byOrg = new LinkedHashMap<>();
        List<Uni<Void>> deadLettered = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            if (record.value() == null) {
                continue; // a tombstone: compaction's removal of a key, no change to record
            }
            try {
                CloudEvent event = EventJson.read(record.value());
                byOrg.computeIfAbsent(event.orgid(), o -> new ArrayList<>()).add(new Incoming(event, EntryMapper.map(event, now)));
            } catch (RuntimeException e) {
                // Lazy: nothing is sent until the Uni is subscribed, after the rest of the batch is recorded.
                deadLettered.add(deadLetters.send(record, e.getMessage()));
            }
        }
        // Organizations have separate chains and head locks: append up to four at once. The unparseable go to their
        // dead-letter topic only once the rest is recorded: a batch that fails is retried whole, and its unparseable
        // records would otherwise be dead-lettered again on every attempt.
        Uni<Void> appended = Multi.createFrom().iterable(byOrg.entrySet()).onItem()
                .transformToUni(e -> chain.append(e.getKey(), e.getValue(), now, traceparent)).merge(4)
                .collect().last().replaceWithVoid();
        return appended.chain(() -> deadLettered.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(deadLettered).andFailFast()
                        .replaceWithVoid());
    }
}
