package dev.warden.audit;

import dev.warden.events.KafkaAccess;
import dev.warden.events.Topics;
import dev.warden.testing.KafkaAccessChecks;
import dev.warden.testing.TestEvents;
import dev.warden.testing.WardenInfra;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.testing.KafkaAccessChecks.causedBy;
import static dev.warden.testing.KafkaAccessChecks.send;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka is no trust root: the shared test broker runs with SCRAM authentication and the standard authorizer, and
 * each service's principal may do only what its KafkaAccess grants. Only agent-service writes the access topic.
 */
class KafkaAccessTest {

    private final String bootstrap = WardenInfra.kafkaBootstrapServers();

    @Test
    void auditServiceWritesItsAuditAndActionsTopicsAndIsRefusedEverywhereElse() {
        KafkaAccessChecks.assertWritesOnlyItsOwnTopics(KafkaAccess.AUDIT_SERVICE);
    }

    @Test
    void agentServiceWritesTheAccessAndAgentsTopicsButNothingItDoesNotOwn() {
        KafkaAccessChecks.assertWritesOnlyItsOwnTopics(KafkaAccess.AGENT_SERVICE);
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
}
