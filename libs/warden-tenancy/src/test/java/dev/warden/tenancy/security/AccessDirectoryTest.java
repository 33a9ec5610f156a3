package dev.warden.tenancy.security;

import dev.warden.api.UnavailableException;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.access.AccessEvents;
import dev.warden.events.access.AccessEvents.ApiKey;
import dev.warden.events.access.AccessEvents.Organization;
import dev.warden.tenancy.kafka.KafkaClients;
import dev.warden.testing.LocalKafka;
import dev.warden.testing.TestEvents;
import dev.warden.testing.WardenInfra;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import dev.warden.events.CanonicalJson;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access directory on a real broker: {@link AccessDirectory#current} completes only once the directory has read
 * every access change on the broker when it was called, so a revocation acknowledged by the broker a moment before is
 * known after it, however far behind the reader was; and before the reader has started it is a 503, not a pass.
 */
class AccessDirectoryTest {

    private AccessDirectory directory;

    @AfterEach
    void stop() {
        if (directory != null) {
            directory.stop(null);
        }
    }

    @Test
    void currentKnowsEveryChangeTheBrokerHeldWhenItWasCalled() {
        String bootstrap = WardenInfra.kafkaBootstrapServers();
        TestEvents.ensureTopic(bootstrap, Topics.ACCESS,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        Map<String, Object> config = new HashMap<>(LocalKafka.clientConfig(bootstrap, Map.of()));
        directory = new AccessDirectory(KafkaClients.of(config));
        assertThrows(UnavailableException.class, () -> directory.current(Duration.ofSeconds(1)).await().indefinitely(),
                "a directory that has read nothing yet cannot say it is current");
        directory.start(null);
        await().atMost(Duration.ofSeconds(60)).until(directory::caughtUp);

        UUID org = UUID.randomUUID();
        Instant now = Instant.now();
        publish(AccessEvents.organizationKey(org), CloudEvent.of("/warden/test", EventTypes.ORGANIZATION,
                AccessEvents.organizationKey(org), org, new Organization(org, "org-" + org, "active", now, now)));
        for (int round = 0; round < 20; round++) {
            UUID id = UUID.randomUUID();
            String secret = "wdn_test_" + UUID.randomUUID();
            ApiKey key = new ApiKey(id, org, "key " + round, "admin",
                    CanonicalJson.sha256Hex(secret.getBytes(StandardCharsets.UTF_8)), secret.substring(0, 10), null,
                    false, now, "test", null);
            publish(AccessEvents.apiKeyKey(id), CloudEvent.of("/warden/test", EventTypes.API_KEY,
                    AccessEvents.apiKeyKey(id), org, key));
            directory.current(Duration.ofSeconds(30)).await().indefinitely();
            assertTrue(directory.usableKeyById(id).isPresent(), "a key on the broker before current() is known after it");

            ApiKey revoked = new ApiKey(id, org, key.name(), key.role(), key.secretSha256(), key.prefix(), null,
                    true, now, "test", null);
            publish(AccessEvents.apiKeyKey(id), CloudEvent.of("/warden/test", EventTypes.API_KEY,
                    AccessEvents.apiKeyKey(id), org, revoked));
            directory.current(Duration.ofSeconds(30)).await().indefinitely();
            assertFalse(directory.usableKeyById(id).isPresent(), "a revocation on the broker before current() is known after it");
        }
    }

    private static void publish(String key, CloudEvent event) {
        TestEvents.publishRaw(WardenInfra.kafkaBootstrapServers(), Topics.ACCESS, key, EventJson.write(event));
    }
}
