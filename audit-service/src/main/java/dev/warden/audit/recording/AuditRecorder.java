package dev.warden.audit.recording;

import dev.warden.audit.chain.ChainAppender;
import dev.warden.events.CloudEvent;
import dev.warden.events.Topics;
import dev.warden.observability.TraceContext;
import dev.warden.audit.drift.DriftDetector.Incoming;
import dev.warden.outbox.EventConsumers;
import dev.warden.outbox.OrgBatches;
import dev.warden.tenancy.StartupOrder;
import dev.warden.tenancy.db.Rows;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

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
    private final OrgBatches batches;

    public AuditRecorder(ChainAppender chain, OrgBatches batches) {
        this.chain = chain;
        this.batches = batches;
    }

    /**
     * After the migrations and the leader jobs; the consumer recipe retries, isolates poison and closes at shutdown.
     * A recording consumer: its positions are kept in this database too, so after a restore of it to an earlier point
     * the events the restore took out of the chain are recorded again, not skipped (KeptPositions).
     */
    void onStart(@Observes @Priority(StartupOrder.CONSUMERS) StartupEvent event, EventConsumers consumers) {
        consumers.startRecording(GROUP, TOPICS, this::record);
    }

    /**
     * Records a batch ({@link OrgBatches}): each organization's events, in their order, appended to its chain.
     * Organizations have separate chains and head locks, so several append at once.
     */
    public Uni<Void> record(List<ConsumerRecord<String, String>> records) {
        Instant now = Rows.now();
        // The batch's span is current here, on the consumer's thread; the appends run on other threads.
        String traceparent = TraceContext.currentTraceparent();
        return batches.apply(records, ArrayList::new,
                (CloudEvent event, List<Incoming> part) -> part.add(new Incoming(event, EntryMapper.map(event, now))),
                (org, part) -> chain.append(org, part, now, traceparent));
    }
}
