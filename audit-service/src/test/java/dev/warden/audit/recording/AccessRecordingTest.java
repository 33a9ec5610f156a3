package dev.warden.audit.recording;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.audit.support.AuditFixtures;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventSchemas;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.access.AccessEvents;
import dev.warden.events.access.AccessEvents.ApiKey;
import dev.warden.events.access.AccessEvents.Organization;
import dev.warden.tenancy.security.ApiKeys;
import dev.warden.tenancy.security.Identities;
import dev.warden.testing.EventTap;
import dev.warden.testing.TestEvents;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static dev.warden.audit.support.AuditFixtures.as;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Changes on {@code warden.access.v1} (keys created and revoked, organizations created, disabled and enabled) are
 * chained in the organization's audit log as agent-service publishes them, naming who acted and never a secret's
 * SHA-256; the compacted topic's tombstones are passed over, and a replay adds nothing.
 */
@QuarkusTest
class AccessRecordingTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The SHA-256 of the key this test creates: it must appear in no entry, export or audit event. */
    private static final String SECRET_SHA256 = ApiKeys.sha256("wdn_test_secret_of_the_ci_key");

    @Inject
    AuditRecorder recorder;

    private TestOrg org;

    @BeforeEach
    void organization() {
        org = AuditFixtures.organization();
    }

    @Test
    void keysCreatedAndRevokedAndTheOrganizationDisabledAndEnabledAreChainedInOrder() {
        // Its creation, as agent-service publishes it: the organization and its first keys, each under its own key.
        int base = AuditFixtures.creationEntries(org);
        as(org, "auditor").get("/v1/audit").then().statusCode(200)
                .body("total", equalTo(base))
                .body("entries.action_type", containsInAnyOrder("organization.created", "api-key.created",
                        "api-key.created", "api-key.created"))
                .body("entries.agent_id", everyItem(nullValue()))
                .body("entries.find { it.action_type == 'organization.created' }.actor", equalTo(Identities.PLATFORM_ACTOR))
                .body("entries.find { it.action_type == 'organization.created' }.metadata.status", equalTo("active"))
                .body("entries.findAll { it.action_type == 'api-key.created' }.actor", everyItem(equalTo("test")))
                .body("entries.findAll { it.action_type == 'api-key.created' }.metadata.role",
                        containsInAnyOrder("admin", "auditor", "viewer"));

        // A key alice creates and bob revokes. A tombstone of its record key comes first: compaction's, not an event.
        UUID key = UUID.randomUUID();
        Instant created = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Instant expires = created.plus(Duration.ofDays(30));
        String recordKey = AccessEvents.apiKeyKey(key);
        TestEvents.publishRaw(AuditFixtures.bootstrap(), Topics.ACCESS, recordKey, (String) null);
        AuditFixtures.publish(Topics.ACCESS, List.of(
                keyEvent(new ApiKey(key, org.id(), "ci pipeline", "operator", SECRET_SHA256, "wdn_ci1234", expires, false,
                        created, "api-key:alice", null)),
                keyEvent(new ApiKey(key, org.id(), "ci pipeline", "operator", SECRET_SHA256, "wdn_ci1234", expires, true,
                        created, "api-key:alice", "api-key:bob"))));
        AuditFixtures.awaitHead(org, base + 2);

        // The organization disabled, then enabled again (its keys are refused meanwhile, so the chain is read after).
        Instant orgCreated = created.minus(Duration.ofMinutes(5));
        AuditFixtures.publish(Topics.ACCESS, List.of(
                organizationEvent(new Organization(org.id(), "org-" + org.id(), "disabled", orgCreated, created.plusMillis(1))),
                organizationEvent(new Organization(org.id(), "org-" + org.id(), "active", orgCreated, created.plusMillis(2)))));
        AuditFixtures.awaitHead(org, base + 4);

        as(org, "auditor").get("/v1/audit?offset=" + base).then().statusCode(200)
                .body("entries.sequence", contains(base + 1, base + 2, base + 3, base + 4))
                .body("entries.action_type", contains("api-key.created", "api-key.revoked", "organization.disabled",
                        "organization.enabled"))
                .body("entries.event_type", contains(EventTypes.API_KEY, EventTypes.API_KEY, EventTypes.ORGANIZATION,
                        EventTypes.ORGANIZATION))
                .body("entries.actor", contains("api-key:alice", "api-key:bob", Identities.PLATFORM_ACTOR,
                        Identities.PLATFORM_ACTOR))
                .body("entries.agent_id", everyItem(nullValue()))
                .body("entries.status", everyItem(equalTo("success")))
                .body("entries[0].metadata.keySet()", containsInAnyOrder("key_id", "name", "role", "prefix", "expires_at"))
                .body("entries[0].metadata.key_id", equalTo(key.toString()))
                .body("entries[0].metadata.name", equalTo("ci pipeline"))
                .body("entries[0].metadata.role", equalTo("operator"))
                .body("entries[0].metadata.prefix", equalTo("wdn_ci1234"))
                .body("entries[0].metadata.expires_at", equalTo(expires.toString()))
                .body("entries[1].metadata.key_id", equalTo(key.toString()))
                .body("entries[2].metadata.status", equalTo("disabled"))
                .body("entries[3].metadata.status", equalTo("active"));
        as(org, "auditor").get("/v1/audit?action_type=api-key.revoked").then()
                .body("total", equalTo(1)).body("entries[0].actor", equalTo("api-key:bob"));
        as(org, "auditor").get("/v1/audit/verify").then().statusCode(200)
                .body("valid", equalTo(true)).body("entries_checked", equalTo(base + 4));

        // No secret's SHA-256 in the log, its export or the audit topic: neither this key's nor the first keys'.
        List<String> secrets = new ArrayList<>(org.keys().values().stream().map(ApiKeys::sha256).toList());
        secrets.add(SECRET_SHA256);
        assertNoSecret(as(org, "auditor").get("/v1/audit?limit=1000").then().statusCode(200).extract().asString(), secrets);
        assertNoSecret(as(org, "auditor").get("/v1/audit/export?from=1").then().statusCode(200).extract().asString(), secrets);
        try (EventTap tap = new EventTap(AuditFixtures.bootstrap(), Topics.AUDIT)) {
            List<JsonNode> published = tap.await(r -> r.key().equals(org.id().toString())
                            && EventTap.json(r).path("type").asText().equals(EventTypes.AUDIT_ENTRY_RECORDED), base + 4, WAIT)
                    .stream().map(EventTap::json).toList();
            published.forEach(e -> assertEquals(List.of(), EventSchemas.violations(e)));
            published.forEach(e -> assertNoSecret(e.toString(), secrets));
            assertEquals(List.of("api-key.created", "api-key.revoked", "organization.disabled", "organization.enabled"),
                    published.subList(base, base + 4).stream().map(e -> e.at("/data/action_type").asText()).toList());
        }

        // The tombstone was passed over, not dead-lettered: an unparseable record after it on its partition is the
        // first dead letter of that record key.
        TestEvents.publishRaw(AuditFixtures.bootstrap(), Topics.ACCESS, recordKey, "not an event " + key);
        try (EventTap dlq = new EventTap(AuditFixtures.bootstrap(), Topics.deadLetter(Topics.ACCESS))) {
            dlq.await(r -> recordKey.equals(r.key()) && r.value() != null, 1, WAIT);
            assertEquals(List.of("not an event " + key), dlq.await(r -> recordKey.equals(r.key()), 1, WAIT).stream()
                    .map(ConsumerRecord::value).toList());
        }
    }

    /** Replaying the access topic from its beginning, tombstones included, adds nothing to the chain. */
    @Test
    void replayingTheAccessTopicFromTheBeginningAddsNothing() {
        int head = AuditFixtures.head(org);
        List<ConsumerRecord<String, String>> records;
        try (EventTap tap = new EventTap(AuditFixtures.bootstrap(), Topics.ACCESS)) {
            records = new ArrayList<>(tap.await(r -> r.value() != null && r.value().contains(org.id().toString()),
                    AuditFixtures.creationEntries(org), WAIT));
        }
        records.add(new ConsumerRecord<>(Topics.ACCESS, 0, 0, AccessEvents.apiKeyKey(UUID.randomUUID()), null));

        recorder.record(records).await().atMost(WAIT);
        recorder.record(records).await().atMost(WAIT);

        as(org, "auditor").get("/v1/audit").then().body("total", equalTo(head));
        as(org, "auditor").get("/v1/audit/verify").then().body("valid", equalTo(true));
        assertEquals(Set.of("organization.created", "api-key.created"), Set.copyOf(as(org, "auditor").get("/v1/audit")
                .then().extract().<List<String>>path("entries.action_type")));
    }

    private CloudEvent keyEvent(ApiKey key) {
        return CloudEvent.of("/warden/agent-service", EventTypes.API_KEY, AccessEvents.apiKeyKey(key.id()), org.id(), key);
    }

    private CloudEvent organizationEvent(Organization organization) {
        return CloudEvent.of("/warden/agent-service", EventTypes.ORGANIZATION,
                AccessEvents.organizationKey(organization.id()), organization.id(), organization);
    }

    private static void assertNoSecret(String text, List<String> secrets) {
        assertFalse(text.contains("secret_sha256"), text);
        secrets.forEach(secret -> assertFalse(text.contains(secret), "a secret's SHA-256 in " + text));
    }
}
