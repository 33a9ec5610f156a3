package dev.warden.agent.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.support.Events;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.access.AccessEvents;
import dev.warden.events.access.AccessEvents.ApiKey;
import dev.warden.events.access.AccessEvents.Organization;
import dev.warden.tenancy.security.ApiKeys;
import dev.warden.testing.TestEvents;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * After agent-service's database is restored to an earlier point, warden.access.v1 is ahead of it. Here the topic is
 * put ahead by publishing on it what a later, lost timeline published: a key and an organization the database never
 * held, and the revocation of a key the database holds unrevoked. The reconciliation brings every service's
 * directory back to the database, on the restrictive side.
 */
@QuarkusTest
class AccessReconciliationTest {

    private static final Duration SOON = Duration.ofSeconds(30);

    @Inject
    AccessReconciliation reconciliation;

    @Test
    void whatTheTopicHoldsBeyondARestoredDatabaseIsRevokedOrDisabledEverywhere() {
        Tenant tenant = Tenants.create();
        // A key created after the restore point: on the topic, not in the database
        String lostSecret = ApiKeys.newSecret();
        ApiKey lost = key(tenant.orgId(), lostSecret, false);
        // A key revoked after the restore point: revoked on the topic, unrevoked in the database
        String revokedSecret = tenant.key("operator");
        String revokedId = tenant.admin().get("/v1/api-keys").then().extract()
                .path("api_keys.find { it.role == 'operator' }.id");
        // An organization created after the restore point, with its admin key
        Organization lostOrganization = new Organization(UUID.randomUUID(), "lost-" + UUID.randomUUID(), "active",
                now(), now());
        String lostAdminSecret = ApiKeys.newSecret();
        ApiKey lostAdmin = key(lostOrganization.id(), lostAdminSecret, false);
        publish(event(lostOrganization.id(), EventTypes.ORGANIZATION, AccessEvents.organizationKey(lostOrganization.id()),
                        lostOrganization),
                event(tenant.orgId(), EventTypes.API_KEY, AccessEvents.apiKeyKey(lost.id()), lost),
                event(lostOrganization.id(), EventTypes.API_KEY, AccessEvents.apiKeyKey(lostAdmin.id()), lostAdmin),
                event(tenant.orgId(), EventTypes.API_KEY, AccessEvents.apiKeyKey(UUID.fromString(revokedId)),
                        new ApiKey(UUID.fromString(revokedId), tenant.orgId(), "operator key", "operator",
                                ApiKeys.sha256(revokedSecret), ApiKeys.displayPrefix(revokedSecret), null, true, now(),
                                "someone", "the-lost-revoker")));
        // What the services enforced before: the lost keys open reads, the revoked one nothing, and agent-service
        // itself cannot revoke the lost key (it does not hold it)
        Awaitility.await().atMost(SOON).until(() -> status(lostSecret) == 200 && status(lostAdminSecret) == 200
                && status(revokedSecret) == 401);
        tenant.admin().delete("/v1/api-keys/" + lost.id()).then().statusCode(404);
        tenant.admin().get("/v1/api-keys/" + revokedId).then().statusCode(200).body("revoked", equalTo(false));

        AccessReconciliation.Corrections corrections = reconciliation.reconcile().await().atMost(SOON);

        assertTrue(corrections.of(AccessReconciliation.Correction.KEY_REVOKED_ON_TOPIC) >= 2, corrections.toString());
        assertTrue(corrections.of(AccessReconciliation.Correction.KEY_REVOKED_IN_DATABASE) >= 1, corrections.toString());
        assertTrue(corrections.of(AccessReconciliation.Correction.ORGANIZATION_DISABLED_ON_TOPIC) >= 1, corrections.toString());
        Awaitility.await().atMost(SOON).until(() -> status(lostSecret) == 401 && status(lostAdminSecret) == 401);
        tenant.admin().get("/v1/api-keys/" + revokedId).then().statusCode(200).body("revoked", equalTo(true))
                .body("revoked_by", equalTo("the-lost-revoker"));
        assertEquals(401, status(revokedSecret));
        // Published for every service and the audit chain, under the reconciliation's name
        List<JsonNode> events = Events.about(Topics.ACCESS, AccessEvents.apiKeyKey(lost.id()), 2);
        assertEquals(AccessReconciliation.ACTOR, events.get(1).at("/data/revoked_by").asText());
        assertTrue(events.get(1).at("/data/revoked").asBoolean());
        assertEquals("disabled", Events.about(Topics.ACCESS, AccessEvents.organizationKey(lostOrganization.id()), 2)
                .get(1).at("/data/status").asText());
        // The tenant itself, consistent, is left as it was
        assertEquals(200, status(tenant.adminKey()));
    }

    private static ApiKey key(UUID org, String secret, boolean revoked) {
        return new ApiKey(UUID.randomUUID(), org, "made after the restore point", "admin", ApiKeys.sha256(secret),
                ApiKeys.displayPrefix(secret), null, revoked, now(), "someone", null);
    }

    private static CloudEvent event(UUID org, String type, String subject, Object data) {
        return CloudEvent.of("/warden/agent-service", type, subject, org, data);
    }

    private static void publish(CloudEvent... events) {
        TestEvents.publish(WardenInfra.kafkaBootstrapServers(), Topics.ACCESS, List.of(events));
    }

    private static int status(String secret) {
        return given().header("X-API-Key", secret).get("/v1/agents?limit=1").statusCode();
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
