package dev.warden.testing;

import dev.warden.events.CanonicalJson;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.access.AccessEvents;
import dev.warden.events.access.AccessEvents.ApiKey;
import dev.warden.events.access.AccessEvents.Organization;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

/**
 * Organizations and API keys for the tests of every service but agent-service (whose tests make them through its
 * own API, since it owns them): published on
 * {@code warden.access.v1} exactly as agent-service publishes them, so the service under test learns them the real way.
 */
public final class TestOrganizations {

    private TestOrganizations() {
    }

    /** An organization and one API key secret per role. */
    public record TestOrg(UUID id, Map<String, String> keys) {

        public String key(String role) {
            String key = keys.get(role);
            if (key == null) {
                throw new IllegalArgumentException("no " + role + " key; create the org with that role");
            }
            return key;
        }

        /** A request of the service under test with this organization's {@code role} key. */
        public RequestSpecification as(String role) {
            return RestAssured.given().header("X-API-Key", key(role));
        }
    }

    /** The tests' broker, as the service under test is configured with it. */
    public static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    /**
     * An organization with a key per role, usable once this returns. The service under test learns keys from
     * {@code warden.access.v1} a moment after they are published, so this waits until the first role's key is no longer
     * refused (401) on {@code probePath}, a read of the service that role may make.
     */
    public static TestOrg ready(String probePath, String... roles) {
        return ready(probePath, UUID.randomUUID(), roles);
    }

    /** As {@link #ready(String, String...)}, of a given id (one the service's configuration names, e.g. for a plan tier). */
    public static TestOrg ready(String probePath, UUID id, String... roles) {
        TestOrg org = create(bootstrap(), id, roles);
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> org.as(roles[0]).get(probePath).statusCode() != 401);
        return org;
    }

    public static TestOrg create(String bootstrapServers, String... roles) {
        return create(bootstrapServers, UUID.randomUUID(), roles);
    }

    /** An organization of a given id (one the service's configuration names, e.g. for a plan tier). */
    public static TestOrg create(String bootstrapServers, UUID org, String... roles) {
        Instant now = Instant.now();
        Map<String, String> keys = new LinkedHashMap<>();
        TestEvents.ensureTopic(bootstrapServers, Topics.ACCESS,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(LocalKafka.clientConfig(bootstrapServers, Map.of(
                "key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName())))) {
            send(producer, AccessEvents.organizationKey(org), CloudEvent.of("/warden/test", EventTypes.ORGANIZATION,
                    AccessEvents.organizationKey(org), org, new Organization(org, "org-" + org, "active", now, now)));
            for (String role : roles) {
                UUID id = UUID.randomUUID();
                String secret = "wdn_test_" + UUID.randomUUID();
                ApiKey key = new ApiKey(id, org, role + " key", role,
                        CanonicalJson.sha256Hex(secret.getBytes(StandardCharsets.UTF_8)), secret.substring(0, 10), null,
                        false, now, "test", null);
                send(producer, AccessEvents.apiKeyKey(id), CloudEvent.of("/warden/test", EventTypes.API_KEY,
                        AccessEvents.apiKeyKey(id), org, key));
                keys.put(role, secret);
            }
        }
        return new TestOrg(org, keys);
    }

    /** Disables the organization, as the platform admin's {@code POST /v1/orgs/{id}/disable} does: its keys stop working. */
    public static void disable(String bootstrapServers, TestOrg org) {
        Instant now = Instant.now();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(LocalKafka.clientConfig(bootstrapServers, Map.of(
                "key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName())))) {
            send(producer, AccessEvents.organizationKey(org.id()), CloudEvent.of("/warden/test", EventTypes.ORGANIZATION,
                    AccessEvents.organizationKey(org.id()), org.id(), new Organization(org.id(), "org-" + org.id(), "disabled", now, now)));
        }
    }

    private static void send(KafkaProducer<String, String> producer, String key, CloudEvent event) {
        try {
            producer.send(new ProducerRecord<>(Topics.ACCESS, key, EventJson.write(event))).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("could not publish to " + Topics.ACCESS, e);
        }
    }
}
