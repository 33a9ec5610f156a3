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
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.NotificationOptions;
import jakarta.enterprise.util.TypeLiteral;
import java.lang.annotation.Annotation;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import dev.warden.events.CanonicalJson;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
        directory = newDirectory();
        assertThrows(UnavailableException.class, () -> directory.current(Duration.ofSeconds(1)).await().indefinitely(),
                "a directory that has read nothing yet cannot say it is current");
        start(directory);

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

    /**
     * A record it cannot read is skipped and counted, and what follows it is applied: the counter is what an alert goes
     * by, since each such record is a change of keys or organizations this instance does not know.
     */
    @Test
    void anUnreadableRecordIsCountedAndTheNextOnesStillApply() {
        MeterRegistry meters = new SimpleMeterRegistry();
        directory = start(newDirectory(meters));
        double before = meters.counter("warden.access.records.skipped").count();

        UUID org = UUID.randomUUID();
        Instant now = Instant.now();
        TestEvents.publishRaw(WardenInfra.kafkaBootstrapServers(), Topics.ACCESS, AccessEvents.organizationKey(org), "{\"not\": \"an event\"");
        publish(AccessEvents.organizationKey(org), CloudEvent.of("/warden/test", EventTypes.ORGANIZATION,
                AccessEvents.organizationKey(org), org, new Organization(org, "org-" + org, "active", now, now)));
        directory.current(Duration.ofSeconds(30)).await().indefinitely();

        assertTrue(directory.organizationActive(org), "the record after the unreadable one is applied");
        assertEquals(before + 1, meters.counter("warden.access.records.skipped").count());
    }

    @Test
    void aKeyOnTheBrokerIsAcceptedByTheFirstRequestAfterItAndAnUnknownOneStillRefused() {
        directory = startedDirectory();
        List<ApiKeyUsed> uses = new CopyOnWriteArrayList<>();
        ApiKeyIdentityProvider provider = new ApiKeyIdentityProvider(directory, waitingForNewKeys(), recording(uses), List.of());

        UUID org = UUID.randomUUID();
        Instant now = Instant.now();
        publish(AccessEvents.organizationKey(org), CloudEvent.of("/warden/test", EventTypes.ORGANIZATION,
                AccessEvents.organizationKey(org), org, new Organization(org, "org-" + org, "active", now, now)));
        for (int round = 0; round < 20; round++) {
            // agent-service answers a new key's 201 once its event is on the broker: the key's first request here
            // comes before this service's reader has applied it, and is asked of the broker, not refused
            UUID id = UUID.randomUUID();
            String secret = ApiKeys.newSecret();
            publish(AccessEvents.apiKeyKey(id), CloudEvent.of("/warden/test", EventTypes.API_KEY, AccessEvents.apiKeyKey(id),
                    org, new ApiKey(id, org, "key " + round, "viewer", ApiKeys.sha256(secret), ApiKeys.displayPrefix(secret),
                            null, false, now, "test", null)));
            SecurityIdentity identity = provider.authenticate(new ApiKeyAuthenticationRequest(secret), null)
                    .await().atMost(Duration.ofSeconds(10));
            assertEquals(Identities.apiKeyPrincipal(id), identity.getPrincipal().getName());
        }
        assertEquals(20, uses.size());
        assertThrows(AuthenticationFailedException.class, () -> provider.authenticate(
                new ApiKeyAuthenticationRequest(ApiKeys.newSecret()), null).await().atMost(Duration.ofSeconds(10)),
                "a key nobody issued is refused once the broker has been asked");
    }

    @Test
    void aKeyTheReaderAppliesWhileItsFirstRequestIsCheckedIsAccepted() {
        UUID org = UUID.randomUUID();
        UUID id = UUID.randomUUID();
        String secret = ApiKeys.newSecret();
        Instant now = Instant.now();
        // The reader applies the key right after the request's own lookup missed it, before the request asks whether
        // it may become usable (a race of the reader thread and the request, seen once in twenty rounds above)
        AtomicBoolean applied = new AtomicBoolean();
        AccessDirectory racing = new AccessDirectory(KafkaClients.of(new HashMap<>()), new SimpleMeterRegistry()) {
            @Override
            public Optional<ApiKey> usableKey(String secretSha256) {
                Optional<ApiKey> seen = super.usableKey(secretSha256);
                if (applied.compareAndSet(false, true)) {
                    apply(AccessEvents.organizationKey(org), EventJson.write(CloudEvent.of("/warden/test",
                            EventTypes.ORGANIZATION, AccessEvents.organizationKey(org), org,
                            new Organization(org, "org-" + org, "active", now, now))));
                    apply(AccessEvents.apiKeyKey(id), EventJson.write(CloudEvent.of("/warden/test", EventTypes.API_KEY,
                            AccessEvents.apiKeyKey(id), org, new ApiKey(id, org, "key", "viewer", ApiKeys.sha256(secret),
                                    ApiKeys.displayPrefix(secret), null, false, now, "test", null))));
                }
                return seen;
            }
        };
        ApiKeyIdentityProvider provider = new ApiKeyIdentityProvider(racing, waitingForNewKeys(),
                recording(new CopyOnWriteArrayList<>()), List.of());

        SecurityIdentity identity = provider.authenticate(new ApiKeyAuthenticationRequest(secret), null)
                .await().atMost(Duration.ofSeconds(10));
        assertEquals(Identities.apiKeyPrincipal(id), identity.getPrincipal().getName());
    }

    /**
     * Asked again after failing because the reader had not begun, {@link AccessDirectory#current} looks again: agent-service's
     * reconciliation of a restored database asks so at start, and a failure made once, answered to every retry, kept
     * it from ever running (an upgrade trial's keys created after the restore point kept working).
     */
    @Test
    void askedAgainCurrentLooksAgainOnceTheReaderHasBegun() throws Exception {
        directory = newDirectory();
        var asked = directory.current(Duration.ofSeconds(1)).onFailure().retry()
                .withBackOff(Duration.ofMillis(100), Duration.ofMillis(500)).atMost(1_000).subscribeAsCompletionStage();
        start(directory);
        asked.toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * A replica that has not yet read the access topic to its end since it started cannot say a key is bad: a 503 to
     * retry, not a 401 (a restarting replica answered valid keys 401 for seconds); once it has, an unknown key is a 401.
     */
    @Test
    void aReplicaThatHasNotReadTheAccessTopicYetCannotSayAKeyIsBad() {
        directory = newDirectory();
        ApiKeyIdentityProvider provider = new ApiKeyIdentityProvider(directory, waitingForNewKeys(Duration.ofSeconds(1)),
                recording(new CopyOnWriteArrayList<>()), List.of());
        UnavailableException starting = assertThrows(UnavailableException.class, () -> provider.authenticate(
                new ApiKeyAuthenticationRequest(ApiKeys.newSecret()), null).await().atMost(Duration.ofSeconds(30)));
        assertEquals(ApiKeyIdentityProvider.STARTING, starting.dependency());
        start(directory);
        assertThrows(AuthenticationFailedException.class, () -> provider.authenticate(
                new ApiKeyAuthenticationRequest(ApiKeys.newSecret()), null).await().atMost(Duration.ofSeconds(30)));
    }

    private static SecurityConfig waitingForNewKeys() {
        return waitingForNewKeys(Duration.ofSeconds(30)); // a bound on a loaded machine, not a timing: the reader answers sooner
    }

    private static SecurityConfig waitingForNewKeys(Duration wait) {
        return new SecurityConfig() {
            @Override
            public String orgClaim() {
                return "org_id";
            }

            @Override
            public String rolesClaim() {
                return "realm_access/roles";
            }

            @Override
            public Optional<String> platformApiKeySha256() {
                return Optional.empty();
            }

            @Override
            public Duration newKeyWait() {
                return wait;
            }
        };
    }

    private static AccessDirectory startedDirectory() {
        return start(newDirectory());
    }

    /** A directory reading the test broker's access topic, not started. */
    private static AccessDirectory newDirectory() {
        return newDirectory(new SimpleMeterRegistry());
    }

    private static AccessDirectory newDirectory(MeterRegistry meters) {
        String bootstrap = WardenInfra.kafkaBootstrapServers();
        TestEvents.ensureTopic(bootstrap, Topics.ACCESS,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        return new AccessDirectory(KafkaClients.of(new HashMap<>(LocalKafka.clientConfig(bootstrap, Map.of()))), meters);
    }

    private static AccessDirectory start(AccessDirectory directory) {
        directory.start(null);
        await().atMost(Duration.ofSeconds(60)).until(directory::caughtUp);
        return directory;
    }

    /** CDI's {@code Event}, as the container would fire it, recording each use. */
    private static Event<ApiKeyUsed> recording(List<ApiKeyUsed> uses) {
        return new Event<>() {
            @Override
            public void fire(ApiKeyUsed event) {
                uses.add(event);
            }

            @Override
            public <U extends ApiKeyUsed> CompletionStage<U> fireAsync(U event) {
                throw new UnsupportedOperationException();
            }

            @Override
            public <U extends ApiKeyUsed> CompletionStage<U> fireAsync(U event, NotificationOptions options) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Event<ApiKeyUsed> select(Annotation... qualifiers) {
                throw new UnsupportedOperationException();
            }

            @Override
            public <U extends ApiKeyUsed> Event<U> select(Class<U> subtype, Annotation... qualifiers) {
                throw new UnsupportedOperationException();
            }

            @Override
            public <U extends ApiKeyUsed> Event<U> select(TypeLiteral<U> subtype, Annotation... qualifiers) {
                throw new UnsupportedOperationException();
            }
        };
    }

    private static void publish(String key, CloudEvent event) {
        TestEvents.publishRaw(WardenInfra.kafkaBootstrapServers(), Topics.ACCESS, key, EventJson.write(event));
    }
}
