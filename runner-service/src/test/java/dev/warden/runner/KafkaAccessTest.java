package dev.warden.runner;

import dev.warden.events.Topics;
import dev.warden.testing.WardenInfra;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** runner-service's Kafka principal writes warden.executions.v1 and nothing it does not own. */
class KafkaAccessTest {

    private final String bootstrap = WardenInfra.kafkaBootstrapServers();

    @Test
    void runnerServiceWritesItsExecutionsTopicAndIsRefusedEverywhereElse() {
        Map<String, String> runner = WardenInfra.kafkaSecurity("runner-service");
        assertDoesNotThrow(() -> send(runner, Topics.EXECUTIONS));
        for (String topic : List.of(Topics.ACCESS, Topics.AGENTS, Topics.AUDIT)) {
            Exception refused = assertThrows(Exception.class, () -> send(runner, topic));
            assertTrue(causedBy(refused, TopicAuthorizationException.class), topic + ": " + refused);
        }
    }

    private void send(Map<String, String> security, String topic) throws Exception {
        Map<String, Object> config = new HashMap<>(security);
        config.putAll(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            // A tombstone of a key nobody reads on the access topic, an empty object elsewhere: nothing acts on them.
            producer.send(new ProducerRecord<>(topic, "probe", Topics.ACCESS.equals(topic) ? null : "{}"))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
