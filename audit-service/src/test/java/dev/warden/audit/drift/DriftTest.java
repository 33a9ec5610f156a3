package dev.warden.audit.drift;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.audit.support.AuditFixtures;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventSchemas;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.audit.AuditEvents.AgentAction;
import dev.warden.testing.EventTap;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.audit.support.AuditFixtures.as;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Actions are compared with the declared intent; each kind of drift fires, and none without an intent. */
@QuarkusTest
class DriftTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private TestOrg org;
    private final String agent = UUID.randomUUID().toString();

    @BeforeEach
    void agentWithDeclaredIntent() {
        org = AuditFixtures.organization();
        declare(agent);
    }

    /** {@code id}'s intent, as agent-service announces it: two connectors and actions, 3 actions per 60 s. */
    private void declare(String id) {
        AuditFixtures.publish(List.of(CloudEvent.of("/warden/agent-service", EventTypes.AGENT_INTENT_DECLARED, id,
                org.id(), Map.of("agent", Map.of("id", id, "revision", 2, "updated_by", "alice", "declared_intent", Map.of(
                        "permitted_connectors", List.of("crowdstrike", "jira"),
                        "permitted_actions", List.of("detections:read", "issues:create"),
                        "data_types", List.of("detection data"),
                        "rate_limit", Map.of("max_actions", 3, "window_seconds", 60)))))));
        awaitEntries(id, 1);
    }

    @Test
    void eachKindOfDriftIsDetectedChainedAndPublished() {
        report(agent, action("crowdstrike", "detections:read", "detection data"),
                action("slack", "messages:send", null),
                action("jira", "issues:create", "customer pii"),
                action("jira", "issues:create", "detection data"));

        Awaitility.await().atMost(WAIT).until(() ->
                as(org, "auditor").get("/v1/drift-events?agent_id=" + agent).then().extract().<Integer>path("total") == 4);
        as(org, "auditor").get("/v1/drift-events?agent_id=" + agent).then().statusCode(200)
                .body("drift_events.drift_type", containsInAnyOrder("unauthorized_system", "unauthorized_action",
                        "unauthorized_data_type", "frequency_exceeded"));
        as(org, "auditor").get("/v1/drift-events?drift_type=frequency_exceeded").then()
                .body("drift_events[0].details.max_actions", equalTo(3))
                .body("drift_events[0].details.actions_in_window", equalTo(4));
        as(org, "auditor").get("/v1/audit?agent_id=" + agent + "&action_type=drift.unauthorized_system").then()
                .body("total", equalTo(1)).body("entries[0].connector", equalTo("slack"));
        as(org, "auditor").get("/v1/audit/verify").then().body("valid", equalTo(true));

        try (EventTap tap = new EventTap(AuditFixtures.bootstrap(), Topics.AUDIT)) {
            List<JsonNode> drifts = tap.await(r -> EventTap.json(r).path("type").asText().equals(EventTypes.AUDIT_DRIFT_DETECTED)
                    && agent.equals(EventTap.json(r).path("subject").asText()), 4, WAIT).stream().map(EventTap::json).toList();
            drifts.forEach(d -> assertEquals(List.of(), EventSchemas.violations(d)));
        }
    }

    @Test
    void tooManyActionsInAWindowDriftOnceWhateverTheOrderAndBatchesTheyAreReportedIn() {
        // The intent allows 3 per 60 s; 8 actions in 35 s, reported one request at a time
        Instant now = Instant.now().minusSeconds(60);
        for (boolean newestFirst : List.of(true, false)) {
            String one = newestFirst ? agent : UUID.randomUUID().toString();
            if (!newestFirst) {
                declare(one);
            }
            for (int i = 0; i < 8; i++) {
                Map<String, Object> a = action("crowdstrike", "detections:read", "detection data");
                a.put("occurred_at", (newestFirst ? now.minusSeconds(5L * i) : now.plusSeconds(5L * i)).toString());
                report(one, a);
            }
            Awaitility.await().atMost(WAIT).until(() -> as(org, "auditor")
                    .get("/v1/audit?agent_id=" + one + "&action_type=detections:read").then().extract().<Integer>path("total") == 8);
            as(org, "auditor").get("/v1/drift-events?agent_id=" + one + "&drift_type=frequency_exceeded").then()
                    .body("total", equalTo(1));
        }
    }

    @Test
    void noDriftIsCheckedForAnAgentWithoutIntent() {
        String undeclared = AuditFixtures.knownAgent(org);
        report(undeclared, action("slack", "anything", "pii"), action("slack", "anything", "pii"),
                action("slack", "anything", "pii"), action("slack", "anything", "pii"));

        // A drift is chained in the transaction of its action: once the actions are recorded, their drift would be too.
        awaitEntries(undeclared, 5);
        as(org, "auditor").get("/v1/drift-events?agent_id=" + undeclared).then().body("total", equalTo(0));
    }

    @Test
    void aReplayedActionDriftsOnce() {
        CloudEvent action = CloudEvent.of("/warden/audit-service", EventTypes.AGENT_ACTION, agent, org.id(),
                new AgentAction(UUID.fromString(agent), "op", "slack", "detections:read", null, "success", null, null,
                        Instant.now().minusSeconds(1)));
        AuditFixtures.publish(Topics.AGENT_ACTIONS, List.of(action, action));
        AuditFixtures.publish(Topics.AGENT_ACTIONS, List.of(action));

        // A permitted action after the replays, on their partition: once it is chained, every replay was handled.
        AuditFixtures.publish(Topics.AGENT_ACTIONS, List.of(CloudEvent.of("/warden/audit-service", EventTypes.AGENT_ACTION,
                agent, org.id(), new AgentAction(UUID.fromString(agent), "op", "crowdstrike", "detections:read", null,
                        "success", null, null, Instant.now().minusSeconds(1)))));
        awaitEntries(agent, 4);
        as(org, "auditor").get("/v1/drift-events?agent_id=" + agent).then().body("total", equalTo(1));
        as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().body("total", equalTo(4));
    }

    @Test
    void driftTypesAndAgentIdsAreChecked() {
        as(org, "auditor").get("/v1/drift-events?drift_type=vibes").then().statusCode(400)
                .body("error.details[0].field", equalTo("drift_type"));
        // Drift is found in an agent's reported actions: its agent_id is an agent's UUID (it answered an empty page)
        as(org, "auditor").get("/v1/drift-events?agent_id=bad").then().statusCode(400)
                .body("error.details[0].field", equalTo("agent_id"));
        as(org, "auditor").get("/v1/drift-events?agent_id=" + java.util.UUID.randomUUID().toString().toUpperCase())
                .then().statusCode(200).body("total", equalTo(0));
        as(org, "auditor").get("/v1/drift-events?drift_type=").then().statusCode(200);
        as(org, "viewer").get("/v1/drift-events").then().statusCode(403);
    }

    private void report(String agentId, Map<?, ?>... actions) {
        as(org, "admin").contentType(ContentType.JSON).body(Map.of("agent_id", agentId, "actions", List.of(actions)))
                .post("/v1/audit/actions").then().statusCode(202);
    }

    private void awaitEntries(String agentId, int count) {
        Awaitility.await().atMost(WAIT).until(() ->
                as(org, "auditor").get("/v1/audit?agent_id=" + agentId).then().extract().<Integer>path("total") >= count);
    }

    private static Map<String, Object> action(String connector, String action, String dataType) {
        Map<String, Object> a = new HashMap<>();
        a.put("connector", connector);
        a.put("action", action);
        a.put("data_type", dataType);
        a.put("status", "success");
        a.put("occurred_at", Instant.now().minusSeconds(2).toString());
        return a;
    }
}
