package dev.warden.audit.recording;

import dev.warden.audit.chain.AuditTopicPublisher;
import dev.warden.audit.chain.ChainAppender;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
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
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.outbox.EventConsumerLoop.Replay;
import dev.warden.outbox.EventConsumerLoop.Rewind;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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

    /** {@link #record(List, Replay)} of records none of which comes again after a restore. */
    public Uni<Void> record(List<ConsumerRecord<String, String>> records) {
        return record(records, Replay.NONE);
    }

    /**
     * Records a batch ({@link OrgBatches}): each organization's events, in their order, appended to its chain.
     * Organizations have separate chains and head locks, so several append at once. After a restore of this database,
     * while the consumer applies partitions again ({@code replay}), an organization whose chain lacks an event applied
     * again (the restore took it out) gets the entry {@code audit.restore-detected} first, in the same transaction,
     * naming the partitions found behind with the position this database kept and the broker's; an organization whose
     * chain holds them all gets none, so a position that was only not kept (its write failed after the batch
     * committed) marks nothing.
     */
    public Uni<Void> record(List<ConsumerRecord<String, String>> records, Replay replay) {
        Instant now = Rows.now();
        // The batch's span is current here, on the consumer's thread; the appends run on other threads.
        String traceparent = TraceContext.currentTraceparent();
        Set<UUID> replayed = replay.replaying().isEmpty() ? Set.of() : replayed(records, replay);
        return batches.apply(records, ArrayList::new,
                (CloudEvent event, List<Incoming> part) -> part.add(new Incoming(event, EntryMapper.map(event, now))),
                (org, part) -> replayed.isEmpty() ? chain.append(org, part, now, traceparent)
                        : chain.append(org, part, now, traceparent, replayed, restoreMark(org, replay.restore(), now)));
    }

    /** The ids of the events among {@code records} that come again from before the broker's offset of their partition. */
    private static Set<UUID> replayed(List<ConsumerRecord<String, String>> records, Replay replay) {
        Set<UUID> ids = new HashSet<>();
        for (ConsumerRecord<String, String> record : records) {
            if (replay.replayed(record) && record.value() != null) {
                try {
                    ids.add(EventJson.read(record.value()).id());
                } catch (RuntimeException unusable) {
                    // OrgBatches dead-letters it
                }
            }
        }
        return ids;
    }

    /**
     * The entry marking a restore in {@code org}'s chain: the partitions found behind, each with the position this
     * database kept and the broker's. Its id follows from the organization and the partitions, so one restore marks a
     * chain once (its mark is looked for with the events, a batch retried writes none again).
     */
    private static Incoming restoreMark(UUID org, Map<TopicPartition, Rewind> restore, Instant now) {
        Map<TopicPartition, Rewind> sorted = new TreeMap<>(
                Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        sorted.putAll(restore);
        ArrayNode partitions = JsonNodeFactory.instance.arrayNode();
        sorted.forEach((p, rewind) -> partitions.addObject().put("topic", p.topic()).put("partition", p.partition())
                .put("kept_offset", rewind.kept()).put("broker_offset", rewind.committed()));
        ObjectNode data = JsonNodeFactory.instance.objectNode().set("partitions", partitions);
        // The broker's offsets stay as they were until the replay passes them (EventConsumerLoop), so the id is the same
        // when this replica finds the same restore again after a restart or a rebalance; its kept positions move on
        StringBuilder identity = new StringBuilder(EntryMapper.RESTORE_DETECTED).append(' ').append(org);
        sorted.forEach((p, rewind) -> identity.append(' ').append(p).append('@').append(rewind.committed()));
        UUID id = UUID.nameUUIDFromBytes(identity.toString().getBytes(StandardCharsets.UTF_8));
        CloudEvent mark = new CloudEvent(CloudEvent.SPEC_VERSION, id, AuditTopicPublisher.SOURCE,
                EntryMapper.RESTORE_DETECTED, null, now, "application/json", org, data);
        return new Incoming(mark, EntryMapper.map(mark, now));
    }
}
