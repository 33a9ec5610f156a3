package dev.warden.audit.recording;

import dev.warden.audit.chain.AuditTopicPublisher;
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
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.outbox.EventConsumerLoop.Rewind;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

    private static final Logger LOG = Logger.getLogger(AuditRecorder.class);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration MARKING = Duration.ofMinutes(4);

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
        consumers.startRecording(GROUP, TOPICS, this::record, this::restoreDetected);
    }

    /**
     * Before the consumer records again what a restore of this database took out of the chain (its kept positions
     * behind the broker's, KeptPositions): an entry in every organization's chain, after the head the restore left,
     * saying so ({@code audit.restore-detected}, with each partition's kept position and the broker's offset), so that
     * a reader learns of the restore from the chain itself and not only from sequences chained twice. Its event id
     * follows from the organization and what was found behind, so a second detection of the same (another replica's,
     * or a later assignment before the first batch) adds nothing. On the consumer's thread, before anything is applied
     * again.
     */
    public void restoreDetected(Map<TopicPartition, Rewind> behind) {
        Instant now = Rows.now();
        ArrayNode partitions = JsonNodeFactory.instance.arrayNode();
        behind.forEach((p, rewind) -> partitions.addObject().put("topic", p.topic()).put("partition", p.partition())
                .put("kept_offset", rewind.kept()).put("broker_offset", rewind.committed()));
        ObjectNode data = JsonNodeFactory.instance.objectNode().set("partitions", partitions);
        List<UUID> orgs = chain.organizations().await().atMost(WAIT);
        // A few organizations at a time, within the consumer's poll interval (5 minutes) however many there are
        Multi.createFrom().iterable(orgs).onItem().transformToUni(org -> {
            UUID id = UUID.nameUUIDFromBytes((EntryMapper.RESTORE_DETECTED + " " + org + " " + partitions)
                    .getBytes(StandardCharsets.UTF_8));
            CloudEvent mark = new CloudEvent(CloudEvent.SPEC_VERSION, id, AuditTopicPublisher.SOURCE,
                    EntryMapper.RESTORE_DETECTED, null, now, "application/json", org, data);
            return chain.append(org, List.of(new Incoming(mark, EntryMapper.map(mark, now))), now);
        }).merge(8).collect().last().await().atMost(MARKING);
        LOG.warnf("Marked the restore in the chains of %d organizations (audit.restore-detected)", orgs.size());
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
