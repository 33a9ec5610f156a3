package dev.warden.outbox;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Consumes topics in a consumer group on its own thread, record by record through {@link EventInbox}, in order per
 * partition, and commits offsets only after the records are handled: at least once, with duplicates absorbed by the
 * inbox.
 */
public final class EventConsumerLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EventConsumerLoop.class);

    private final KafkaConsumer<String, String> consumer;
    private final EventInbox inbox;
    private final String name;
    private final EventInbox.Handler handler;
    private final Thread thread;
    private volatile boolean running = true;

    public EventConsumerLoop(String bootstrapServers, String group, Collection<String> topics, EventInbox inbox,
                             EventInbox.Handler handler) {
        this.inbox = inbox;
        this.name = group;
        this.handler = handler;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500));
        this.consumer.subscribe(topics);
        this.thread = Thread.ofPlatform().name("warden-consumer-" + group).start(this::run);
    }

    private void run() {
        try {
            while (running) {
                handle(consumer.poll(Duration.ofMillis(500)));
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Handles a batch in order and commits what was handled. On a failure every partition of the batch is rewound
     * to its first unhandled record, so nothing is skipped, and the batch is retried after a pause.
     */
    private void handle(ConsumerRecords<String, String> records) {
        Map<TopicPartition, OffsetAndMetadata> handled = new HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            try {
                inbox.deliver(name, record, handler).await().atMost(Duration.ofSeconds(60));
                handled.put(partition, new OffsetAndMetadata(record.offset() + 1));
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warnf("Consumer %s failed on %s-%d@%d, will retry: %s", name, record.topic(),
                            record.partition(), record.offset(), e.getMessage());
                }
                for (TopicPartition p : records.partitions()) {
                    OffsetAndMetadata done = handled.get(p);
                    consumer.seek(p, done != null ? done.offset() : records.records(p).getFirst().offset());
                }
                commit(handled);
                sleep();
                return;
            }
        }
        commit(handled);
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> handled) {
        if (!handled.isEmpty()) {
            consumer.commitSync(handled);
        }
    }

    private void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
