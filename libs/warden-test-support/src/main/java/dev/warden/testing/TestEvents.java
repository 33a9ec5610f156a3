package dev.warden.testing;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * The one way tests put records on a topic: as another service would publish them (a CloudEvent keyed by its subject,
 * so one agent's events share a partition and keep their order), or raw, for what no producer of ours would write.
 */
public final class TestEvents {

    private TestEvents() {
    }

    /** Publishes {@code events} in order, each keyed by its subject, and waits until the broker has them all. */
    public static void publish(String bootstrapServers, String topic, List<CloudEvent> events) {
        ensureTopic(bootstrapServers, topic);
        try (KafkaProducer<String, String> producer = producer(bootstrapServers)) {
            for (CloudEvent e : events) {
                producer.send(new ProducerRecord<>(topic, e.subject(), EventJson.write(e)));
            }
            producer.flush();
        }
    }

    /** Publishes records exactly as given, in order, under one key: malformed messages, forged ones. */
    public static void publishRaw(String bootstrapServers, String topic, String key, String... values) {
        ensureTopic(bootstrapServers, topic);
        try (KafkaProducer<String, String> producer = producer(bootstrapServers)) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, key, value));
            }
            producer.flush();
        }
    }

    /** Creates {@code topic} with 6 partitions (and {@code configs}) unless it exists. */
    public static void ensureTopic(String bootstrapServers, String topic, Map<String, String> configs) {
        try (Admin admin = Admin.create(LocalKafka.clientConfig(bootstrapServers, Map.of()))) {
            admin.createTopics(List.of(new NewTopic(topic, 6, (short) 1).configs(configs))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create " + topic, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static void ensureTopic(String bootstrapServers, String topic) {
        ensureTopic(bootstrapServers, topic, Map.of());
    }

    private static KafkaProducer<String, String> producer(String bootstrapServers) {
        return new KafkaProducer<>(LocalKafka.clientConfig(bootstrapServers, Map.of(
                "key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName())));
    }
}
