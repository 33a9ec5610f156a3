package dev.warden.audit;

import dev.warden.events.Topics;
import dev.warden.testing.TestEvents;
import dev.warden.testing.WardenInfra;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka is no trust root: the shared test broker runs with SCRAM authentication and the standard authorizer, and
 * each service's principal may do only what its KafkaAccess grants. Only agent-service writes the access topic.
 */
class KafkaAccessTest {

    private final String bootstrap = WardenInfra.kafkaBootstrapServers();

    @Test
    void anotherServicesPrincipalIsRefusedWhenItWritesTheAccessOrTheAgentsTopic() {
        Map<String, String> audit = WardenInfra.kafkaSecurity("audit-service");
        for (String topic : List.of(Topics.ACCESS, Topics.AGENTS)) {
            Exception refused = assertThrows(Exception.class, () -> send(audit, topic));
            assertTrue(causedBy(refused, TopicAuthorizationException.class), topic + ": " + refused);
        }
        assertDoesNotThrow(() -> send(audit, Topics.AUDIT), "audit-service writes its own topic");
    }

    @Test
    void agentServiceWritesTheAccessTopicButNothingItDoesNotOwn() {
        Map<String, String> agent = WardenInfra.kafkaSecurity("agent-service");
        assertDoesNotThrow(() -> send(agent, Topics.ACCESS));
        for (String topic : List.of(Topics.AUDIT, Topics.AGENT_ACTIONS)) {
            Exception refused = assertThrows(Exception.class, () -> send(agent, topic));
            assertTrue(causedBy(refused, TopicAuthorizationException.class), topic + ": " + refused);
        }
    }

    @Test
    void aPrincipalConsumesOnlyInItsOwnGroups() {
        TestEvents.ensureTopic(bootstrap, Topics.AGENTS);
        Map<String, Object> config = new HashMap<>(WardenInfra.kafkaSecurity("audit-service"));
        config.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "registry-service-" + UUID.randomUUID(),
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()));
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(Topics.AGENTS));
            Exception refused = assertThrows(Exception.class, () -> {
                for (int i = 0; i < 50; i++) {
                    consumer.poll(Duration.ofMillis(200));
                }
            });
            assertTrue(causedBy(refused, GroupAuthorizationException.class), refused.toString());
        }
    }

    @Test
    void aClientWithoutCredentialsGetsNothingIn() {
        Exception refused = assertThrows(Exception.class, () -> send(Map.of(), Topics.AUDIT));
        assertTrue(refused.toString().contains("Timeout") || refused.toString().contains("imeout"), refused.toString());
    }

    private void send(Map<String, String> security, String topic) throws Exception {
        Map<String, Object> config = new HashMap<>(security);
        config.putAll(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            // A tombstone of a key no reader knows on the access topic, an empty object elsewhere: nothing acts on them.
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
