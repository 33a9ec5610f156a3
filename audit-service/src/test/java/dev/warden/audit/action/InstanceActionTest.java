package dev.warden.audit.action;

import dev.warden.audit.support.AuditFixtures;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.tenancy.security.ApiKeys;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A fleet instance reports actions with its own credential, learnt from fleet-service's events (the registration
 * carries its SHA-256 and agent): for its own agent only, and no longer once deregistered.
 */
@QuarkusTest
class InstanceActionTest {

    private static Map<String, Object> instance(String id, UUID org, String agent) {
        Map<String, Object> i = new HashMap<>(Map.of("id", id, "org_id", org.toString(), "hostname", "h", "os", "linux",
                "version", "1", "ip", "127.0.0.1", "tags", List.of(), "registered_at", "2026-01-01T00:00:00Z",
                "last_heartbeat", "2026-01-01T00:00:00Z"));
        i.put("agent_id", agent);
        return i;
    }

    private static CloudEvent transition(String type, TestOrg org, String agent, String id, String previous, String state,
                                         String sha256) {
        Map<String, Object> data = new HashMap<>(Map.of("instance", instance(id, org.id(), agent), "state", state,
                "since_last_heartbeat_ms", 0, "at", Instant.now().toString()));
        data.put("previous_state", previous);
        data.put("credential_sha256", sha256);
        return CloudEvent.of("/warden/fleet-service", type, agent, org.id(), data);
    }

    private static int report(String credential, String agent) {
        return given().header("Authorization", "Bearer " + credential).contentType(ContentType.JSON)
                .body(Map.of("agent_id", agent, "actions", List.of(Map.of("connector", "jira", "action", "issues:create",
                        "status", "success", "occurred_at", Instant.now().minusSeconds(5).toString()))))
                .post("/v1/audit/actions").then().extract().statusCode();
    }

    @Test
    void anInstanceReportsForItsOwnAgentOnlyUntilDeregistered() {
        TestOrg org = AuditFixtures.organization();
        String agent = AuditFixtures.knownAgent(org);
        String other = AuditFixtures.knownAgent(org);
        String credential = "wfi_" + UUID.randomUUID().toString().replace("-", "");
        String id = "agent-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        AuditFixtures.publish(Topics.FLEET, List.of(transition(EventTypes.FLEET_INSTANCE_REGISTERED, org, agent, id, null,
                "online", ApiKeys.sha256(credential))));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> report(credential, agent) == 202);
        // Another agent of the same organization: refused.
        assertEquals(403, report(credential, other));
        // An unknown credential: 401.
        assertEquals(401, report("wfi_unknown", agent));
        // The credential in X-API-Key rather than Authorization: 401
        assertEquals(401, given().header("X-API-Key", credential).contentType(ContentType.JSON)
                .body(Map.of("agent_id", agent, "actions", List.of(Map.of("connector", "jira", "action", "issues:create",
                        "status", "success", "occurred_at", Instant.now().minusSeconds(5).toString()))))
                .post("/v1/audit/actions").then().extract().statusCode());

        AuditFixtures.publish(Topics.FLEET, List.of(transition(EventTypes.FLEET_INSTANCE_DEREGISTERED, org, agent, id,
                "online", "deregistered", null)));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> report(credential, agent) == 401);
    }
}
