package dev.warden.fleet.projection;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.fleet.support.FleetFixtures;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.fleet.support.FleetFixtures.as;
import static dev.warden.fleet.support.FleetFixtures.instanceBody;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** What fleet-service learns from other services' events: policy changes to apply, and its agents' recent drift. */
@QuarkusTest
class ProjectionTest {

    private static Map<String, Object> policy(UUID id, UUID org, List<UUID> agents) {
        return Map.ofEntries(Map.entry("id", id.toString()), Map.entry("org_id", org.toString()),
                Map.entry("name", "p"), Map.entry("enforcement", "block"), Map.entry("rules", List.of()),
                Map.entry("version", 1), Map.entry("agent_ids", agents.stream().map(UUID::toString).toList()),
                Map.entry("created_at", "2026-01-01T00:00:00Z"), Map.entry("created_by", "alice"),
                Map.entry("updated_at", "2026-01-01T00:00:00Z"), Map.entry("updated_by", "alice"));
    }

    private static CloudEvent bound(TestOrg org, UUID agent, UUID policy) {
        return CloudEvent.of("/warden/agent-service", EventTypes.POLICY_BOUND, agent.toString(), org.id(),
                Map.of("agent_id", agent.toString(), "policy", policy(policy, org.id(), List.of(agent))));
    }

    private static int pending(TestOrg org, String id, Map<String, Object> body) {
        return as(org, "operator").body(body).post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(200)
                .extract().path("data.pendingPolicies");
    }

    @Test
    void pendingPoliciesFollowThePolicyChangesOfTheInstancesAgentOncePerEvent() {
        TestOrg org = FleetFixtures.organization();
        UUID agent = FleetFixtures.knownAgent(org);
        Map<String, Object> body = new HashMap<>(instanceBody("policy-host"));
        body.put("agent_id", agent.toString());
        String id = FleetFixtures.register(org, body).body("data.agentId", equalTo(agent.toString())).extract().path("data.id");
        as(org, "operator").body(Map.of()).post("/v1/fleet/agents/" + id + "/heartbeat").then()
                .body("data.pendingPolicies", equalTo(0)).body("data.policyVersion", equalTo("v0"));

        UUID policy = UUID.randomUUID();
        CloudEvent first = bound(org, agent, policy);
        // The same event twice (redelivery) counts once.
        FleetFixtures.publish(Topics.AGENTS, first, first);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pending(org, id, Map.of()) == 1);
        FleetFixtures.publish(Topics.AGENTS, CloudEvent.of("/warden/agent-service", EventTypes.POLICY_CHANGED,
                policy.toString(), org.id(), Map.of("policy", policy(policy, org.id(), List.of(agent)))));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pending(org, id, Map.of()) == 2);

        as(org, "operator").body(Map.of("active_policy_version", "v2")).post("/v1/fleet/agents/" + id + "/heartbeat")
                .then().statusCode(200).body("data.pendingPolicies", equalTo(0)).body("data.policyVersion", equalTo("v2"));
        as(org, "viewer").get("/v1/fleet/agents/" + id).then().body("data.activePolicyVersion", equalTo("v2"));
        // A change after the applied version is pending again; another agent's change is not.
        FleetFixtures.publish(Topics.AGENTS, bound(org, agent, UUID.randomUUID()),
                bound(org, FleetFixtures.knownAgent(org), UUID.randomUUID()));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pending(org, id, Map.of()) == 1);

        // A version ahead of the agent's (v99 when it is at v3) is taken as the current one, so the next change is
        // still told, not hidden until the agent's version passes the claim
        as(org, "operator").body(Map.of("active_policy_version", "v99")).post("/v1/fleet/agents/" + id + "/heartbeat")
                .then().statusCode(200).body("data.pendingPolicies", equalTo(0)).body("data.policyVersion", equalTo("v3"));
        as(org, "viewer").get("/v1/fleet/agents/" + id).then().body("data.activePolicyVersion", equalTo("v3"));
        FleetFixtures.publish(Topics.AGENTS, bound(org, agent, UUID.randomUUID()));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pending(org, id, Map.of()) == 1);
    }

    /**
     * An agent created and enrolled back to back (one script): the registration can arrive before agent-service's event
     * does. It waits for it (Projections.withCatchUp) and succeeds, where it answered "Agent not found" before.
     */
    @Test
    void anInstanceOfAnAgentAnnouncedJustAfterItsRegistrationWasSentIsRegisteredNotA404() throws Exception {
        TestOrg org = FleetFixtures.organization();
        UUID agent = UUID.randomUUID();
        Map<String, Object> body = new HashMap<>(instanceBody("eager-host"));
        body.put("agent_id", agent.toString());
        var registered = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                as(org, "operator").body(body).post("/v1/fleet/agents/register").then().extract());
        FleetFixtures.announce(org, agent);

        var answer = registered.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(201, answer.statusCode(), answer.body().asString());
        assertEquals(agent.toString(), answer.path("data.agentId"));
        // One never announced is still a 404, once the wait is over
        body.put("agent_id", UUID.randomUUID().toString());
        as(org, "operator").body(body).post("/v1/fleet/agents/register").then().statusCode(404).body("ok", equalTo(false));
    }

    @Test
    void recentThreatsCountTheAgentsDriftOfTheLast24Hours() {
        TestOrg org = FleetFixtures.organization();
        UUID agent = FleetFixtures.knownAgent(org);
        Map<String, Object> body = new HashMap<>(instanceBody("drift-host"));
        body.put("agent_id", agent.toString());
        String id = FleetFixtures.register(org, body).extract().path("data.id");
        CloudEvent recent = drift(org, agent, Instant.now().minusSeconds(60));
        FleetFixtures.publish(Topics.AUDIT, recent, recent, drift(org, agent, Instant.now().minus(Duration.ofHours(25))),
                drift(org, UUID.randomUUID(), Instant.now()));
        // A marker after them on the same partition: once it counts, everything before it was handled.
        FleetFixtures.publish(Topics.AUDIT, drift(org, agent, Instant.now()));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> as(org, "viewer").get("/v1/fleet/agents/" + id)
                .then().extract().<Integer>path("data.recentThreats") == 2);
    }

    private static CloudEvent drift(TestOrg org, UUID agent, Instant at) {
        return CloudEvent.of("/warden/audit-service", EventTypes.AUDIT_DRIFT_DETECTED, agent.toString(), org.id(),
                Map.ofEntries(Map.entry("id", UUID.randomUUID().toString()), Map.entry("org_id", org.id().toString()),
                        Map.entry("agent_id", agent.toString()), Map.entry("drift_type", "frequency_exceeded"),
                        Map.entry("action_event_id", UUID.randomUUID().toString()), Map.entry("connector", "c"),
                        Map.entry("action", "a"), Map.entry("details", Map.of()),
                        Map.entry("occurred_at", at.toString()), Map.entry("detected_at", at.toString()),
                        Map.entry("sequence", 1)));
    }
}
