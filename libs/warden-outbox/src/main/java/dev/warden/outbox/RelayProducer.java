package dev.warden.outbox;

import dev.warden.events.Topics;
import dev.warden.tenancy.kafka.KafkaClients;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The relay's Kafka producer (idempotent, acks from all in-sync replicas, so retries neither duplicate nor reorder
 * within a partition) and the creation of the topics it writes when they are missing, kept as {@link Topics#settings}
 * says, like the production KafkaTopics (deploy/k8s) and the launcher's broker.
 */
@ApplicationScoped
public class RelayProducer {

    private final KafkaClients kafka;
    private final OutboxConfig config;
    private final Set<String> ensured = ConcurrentHashMap.newKeySet();
    private volatile KafkaProducer<String, String> producer;

    public RelayProducer(KafkaClients kafka, OutboxConfig config) {
        this.kafka = kafka;
        this.config = config;
    }

    /**
     * The CloudEvents Kafka protocol binding's mark of a structured-mode event: {@code content-type:
     * application/cloudevents+json}. Without it the CloudEvents SDKs' Kafka readers take the record for no CloudEvent.
     */
    public static final List<Header> STRUCTURED = List.of(new RecordHeader("content-type",
            "application/cloudevents+json".getBytes(StandardCharsets.UTF_8)));

    /** A CloudEvent (its JSON) as a record of {@code topic} under {@code key}, marked as structured mode. */
    public static ProducerRecord<String, String> record(String topic, String key, String cloudEvent) {
        return new ProducerRecord<>(topic, null, key, cloudEvent, STRUCTURED);
    }

    public synchronized KafkaProducer<String, String> get() {
        if (producer == null) {
            producer = new KafkaProducer<>(kafka.config(Map.of(
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.LINGER_MS_CONFIG, 5,
                    ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                    // Without metadata a send blocks; past max-block the relay counts it refused and sends nothing newer.
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) config.maxBlock().toMillis(),
                    // An event handed over is never given up: an expired event could be overtaken by a newer one of
                    // its key. The idempotent producer retries in order until the broker is back.
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000)));
        }
        return producer;
    }

    /** Creates the topic once per process if it is missing. */
    public void ensureTopic(String topic) {
        if (ensured.contains(topic)) {
            return;
        }
        try (Admin admin = Admin.create(kafka.config(Map.of("default.api.timeout.ms", 10_000, "request.timeout.ms", 5_000)))) {
            NewTopic spec = new NewTopic(topic, config.partitions(), config.replicationFactor())
                    .configs(Topics.settings(topic));
            admin.createTopics(List.of(spec)).all().get(10, TimeUnit.SECONDS);
            ensured.add(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                ensured.add(topic);
            } else {
                throw new IllegalStateException("could not create topic " + topic + ": " + e.getCause().getMessage(), e);
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not create topic " + topic + ": " + e.getMessage(), e);
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        close();
    }

    public synchronized void close() {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(5));
            producer = null;
        }
    }
}
