package dev.warden.testing;

import dev.warden.events.KafkaAccess;
import dev.warden.events.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a service's Kafka principal may write on the shared test broker (SCRAM and the standard authorizer, as in
 * production): each service's {@code KafkaAccessTest} asserts its own topics written and the others refused.
 */
public final class KafkaAccessChecks {

    private KafkaAccessChecks() {
    }

    /**
     * {@code access}'s principal writes each domain topic its {@code KafkaAccess} grants it and is refused every
     * other: a service's {@code KafkaAccessTest} in one line.
     */
    public static void assertWritesOnlyItsOwnTopics(KafkaAccess access) {
        for (String topic : Topics.ALL) {
            if (access.writes().contains(topic)) {
                assertWrites(access.principal(), topic);
            } else {
                assertRefusedWriting(access.principal(), topic);
            }
        }
    }

    /** {@code service}'s principal writes {@code topic}. */
    public static void assertWrites(String service, String topic) {
        assertDoesNotThrow(() -> send(WardenInfra.kafkaSecurity(service), topic), service + " writes " + topic);
    }

    /** The broker refuses {@code service}'s principal a write to {@code topic}. */
    public static void assertRefusedWriting(String service, String topic) {
        Exception refused = assertThrows(Exception.class, () -> send(WardenInfra.kafkaSecurity(service), topic));
        assertTrue(causedBy(refused, TopicAuthorizationException.class), service + " on " + topic + ": " + refused);
    }

    /**
     * Sends, with {@code security}'s credentials, a record nothing acts on: a tombstone of a key no reader knows (the
     * access directory drops it, {@code OrgBatches} skips tombstones), so that a consumer of the topic in the same test
     * JVM neither applies nor dead-letters it.
     */
    public static void send(Map<String, String> security, String topic) throws Exception {
        Map<String, Object> config = new HashMap<>(security);
        config.putAll(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, WardenInfra.kafkaBootstrapServers(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(topic, "probe", null)).get(30, TimeUnit.SECONDS);
        }
    }

    /** Whether {@code type} is among {@code t}'s causes, {@code t} included. */
    public static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
