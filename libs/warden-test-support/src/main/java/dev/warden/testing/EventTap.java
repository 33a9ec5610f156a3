package dev.warden.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads a topic from its beginning, as an outside consumer would, so tests assert on the events actually published.
 */
public final class EventTap implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaConsumer<String, String> consumer;
    private final List<ConsumerRecord<String, String>> seen = new ArrayList<>();

    public EventTap(String bootstrapServers, String topic) {
        consumer = new KafkaConsumer<>(LocalKafka.clientConfig(bootstrapServers, Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false)));
        List<TopicPartition> partitions = awaitPartitions(topic);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Waits until {@code count} records match, and returns them in the order they were read. */
    public List<ConsumerRecord<String, String>> await(Predicate<ConsumerRecord<String, String>> match, int count,
                                                      Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ConsumerRecord<String, String>> found = seen.stream().filter(match).toList();
            if (found.size() >= count) {
                return found;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " matching records, saw " + found.size() + " of "
                        + seen.size());
            }
            consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
        }
    }

    /** The CloudEvents about {@code subject}, once {@code count} of them have arrived. */
    public List<JsonNode> eventsAbout(String subject, int count, Duration timeout) {
        return await(r -> subject.equals(json(r).path("subject").asText()), count, timeout)
                .stream().map(EventTap::json).toList();
    }

    /** Everything read so far, after polling for {@code quiet} more. */
    public List<ConsumerRecord<String, String>> drain(Duration quiet) {
        long deadline = System.nanoTime() + quiet.toNanos();
        while (System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
        }
        return List.copyOf(seen);
    }

    public static JsonNode json(ConsumerRecord<String, String> record) {
        try {
            return JSON.readTree(record.value());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + record.value(), e);
        }
    }

    private List<TopicPartition> awaitPartitions(String topic) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            var infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("topic " + topic + " never appeared");
    }

    @Override
    public void close() {
        consumer.close();
    }
}
