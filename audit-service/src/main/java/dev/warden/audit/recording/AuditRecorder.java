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
import dev.warden.outbox.EventConsumerLoop.Rewind;
import dev.warden.outbox.EventConsumerLoop.Rewinding;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

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
import java.util.concurrent.ConcurrentHashMap;

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

    private final ChainAppender chain;
    private final OrgBatches batches;
    /** Partitions being applied again after a restore, until each passes the broker's offset it was behind. */
    private final Map<TopicPartition, Rewind> rewound = new ConcurrentHashMap<>();
    /** Every partition found behind since {@link #rewound} was last empty: what each mark of this restore names. */
    private final Map<TopicPartition, Rewind> found = new ConcurrentHashMap<>();

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
        consumers.startRecording(GROUP, TOPICS, this::record, rewinding());
    }

    /** What the consumer tells of partitions it applies again ({@link #restoreDetected}) and no longer reads. */
    public Rewinding rewinding() {
        return new Rewinding() {
            @Override
            public void rewinding(Map<TopicPartition, Rewind> partitions) {
                restoreDetected(partitions);
            }

            @Override
            public void revoked(java.util.Collection<TopicPartition> partitions) {
                partitions.forEach(rewound::remove); // another member applies them again, if still behind
            }
        };
    }

    /**
     * Told by the consumer, before it applies partitions again from the positions this database kept, which are behind
     * the broker's (KeptPositions): remembered until each has passed the broker's offset, so that {@link #record} can
     * tell the events it applies again from new ones. On the consumer's thread.
     */
    private void restoreDetected(Map<TopicPartition, Rewind> behind) {
        if (rewound.isEmpty()) {
            found.clear(); // a restore of its own, not more of the last one
        }
        found.putAll(behind);
        rewound.putAll(behind);
        LOG.warnf("Applying again %d partitions this database had applied less far than the broker: a chain missing an "
                + "event among them is marked restored (audit.restore-detected) before it is recorded again", behind.size());
    }

    /**
     * Records a batch ({@link OrgBatches}): each organization's events, in their order, appended to its chain.
     * Organizations have separate chains and head locks, so several append at once. After a restore of this database
     * ({@link #restoreDetected}), an organization whose chain lacks an event applied again (the restore took it out) gets
     * the entry {@code audit.restore-detected} first, in the same transaction, naming the partitions applied again with
     * the position this database kept and the broker's; an organization whose chain holds them all gets none, so a
     * position that was only not kept (its write failed after the batch committed) marks nothing.
     */
    public Uni<Void> record(List<ConsumerRecord<String, String>> records) {
        Instant now = Rows.now();
        // The batch's span is current here, on the consumer's thread; the appends run on other threads.
        String traceparent = TraceContext.currentTraceparent();
        Map<TopicPartition, Rewind> rewinds = rewound.isEmpty() ? Map.of() : Map.copyOf(rewound);
        Set<UUID> replayed = rewinds.isEmpty() ? Set.of() : replayed(records, rewinds);
        Map<TopicPartition, Rewind> restore = replayed.isEmpty() ? Map.of() : Map.copyOf(found);
        return batches.apply(records, ArrayList::new,
                        (CloudEvent event, List<Incoming> part) -> part.add(new Incoming(event, EntryMapper.map(event, now))),
                        (org, part) -> replayed.isEmpty() ? chain.append(org, part, now, traceparent)
                                : chain.append(org, part, now, traceparent, replayed, restoreMark(org, restore, now)))
                .invoke(() -> passed(records, rewinds));
    }

    /** The ids of the events among {@code records} that come again from before the broker's offset of a rewound partition. */
    private static Set<UUID> replayed(List<ConsumerRecord<String, String>> records, Map<TopicPartition, Rewind> rewinds) {
        Set<UUID> ids = new HashSet<>();
        for (ConsumerRecord<String, String> record : records) {
            Rewind rewind = rewinds.get(new TopicPartition(record.topic(), record.partition()));
            if (rewind != null && record.offset() < rewind.committed() && record.value() != null) {
                try {
                    ids.add(EventJson.read(record.value()).id());
                } catch (RuntimeException unusable) {
                    // OrgBatches dead-letters it
                }
            }
        }
        return ids;
    }

    /** Forgets the rewound partitions {@code records} took past the broker's offset they were behind. */
    private void passed(List<ConsumerRecord<String, String>> records, Map<TopicPartition, Rewind> rewinds) {
        for (ConsumerRecord<String, String> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            Rewind rewind = rewinds.get(partition);
            if (rewind != null && record.offset() + 1 >= rewind.committed()) {
                rewound.remove(partition, rewind);
            }
        }
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
