package dev.warden.outbox;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Consumes topics in a consumer group on its own thread, a polled batch at a time, and commits the batch's offsets
 * only after it is handled: at least once. A failed batch is rewound whole and retried after a pause; handlers are
 * idempotent (through {@link EventInbox}, or by event id), so what was already handled is absorbed.
 */
public final class EventConsumerLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EventConsumerLoop.class);

    /** Handles a polled batch, in order within each partition. */
    @FunctionalInterface
    public interface BatchHandler {
        Uni<Void> handle(List<ConsumerRecord<String, String>> records);
    }

    private final KafkaConsumer<String, String> consumer;
    private final String group;
    private final BatchHandler handler;
    private final Thread thread;
    private volatile boolean running = true;

    /** Each event through the inbox, once per consumer {@code group}. */
    public static EventConsumerLoop perEvent(String bootstrapServers, String group, Collection<String> topics,
                                             EventInbox inbox, EventInbox.Handler handler) {
        return new EventConsumerLoop(bootstrapServers, group, topics, 500, records -> Multi.createFrom().iterable(records)
                .onItem().transformToUniAndConcatenate(record -> inbox.deliver(group, record, handler))
                .collect().last().replaceWithVoid());
    }

    /** Whole batches to a handler that deduplicates by event id itself. */
    public static EventConsumerLoop batched(String bootstrapServers, String group, Collection<String> topics,
                                            int maxBatch, BatchHandler handler) {
        return new EventConsumerLoop(bootstrapServers, group, topics, maxBatch, handler);
    }

    private EventConsumerLoop(String bootstrapServers, String group, Collection<String> topics, int maxBatch,
                              BatchHandler handler) {
        this.group = group;
        this.handler = handler;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxBatch,
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 5_000));
        this.consumer.subscribe(topics);
        this.thread = Thread.ofPlatform().name("warden-consumer-" + group).start(this::run);
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                if (!records.isEmpty()) {
                    handle(records);
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void handle(ConsumerRecords<String, String> records) {
        List<ConsumerRecord<String, String>> batch = new ArrayList<>(records.count());
        records.forEach(batch::add);
        try {
            handler.handle(batch).await().atMost(Duration.ofSeconds(120));
            Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
            for (TopicPartition p : records.partitions()) {
                next.put(p, new OffsetAndMetadata(records.records(p).getLast().offset() + 1));
            }
            consumer.commitSync(next);
        } catch (RuntimeException e) {
            if (!running) {
                return;
            }
            LOG.warnf("Consumer %s failed on a batch of %d, will retry it: %s", group, batch.size(), e.getMessage());
            for (TopicPartition p : records.partitions()) {
                consumer.seek(p, records.records(p).getFirst().offset());
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
