package dev.warden.fleet.policy;

import dev.warden.api.PageRequest;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.agent.AgentEvents;
import dev.warden.fleet.support.FleetFixtures;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static dev.warden.fleet.support.FleetFixtures.as;
import static dev.warden.fleet.support.FleetFixtures.bearer;
import static dev.warden.fleet.support.FleetFixtures.instanceBody;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seed 003's pendingPolicies tells an instance when to fetch new policy rules: it fetches them here, with its own
 * credential, from what fleet-service projects of agent-service's policy events, and a client that knows only the seed
 * (its heartbeats report no version) sees the count fall once it has.
 */
@QuarkusTest
class InstancePoliciesTest {

    private static final String AGENT_SERVICE = "/warden/agent-service";

    /** An instance of a governed agent, registered with the operator key, and its own credential. */
    private record Running(TestOrg org, UUID agent, String id, String credential) {
    }

    private static Running running(TestOrg org) {
        UUID agent = FleetFixtures.knownAgent(org);
        Map<String, Object> body = new HashMap<>(instanceBody("policy-host"));
        body.put("agent_id", agent.toString());
        ValidatableResponse registered = FleetFixtures.register(org, body);
        return new Running(org, agent, registered.extract().path("data.id"), registered.extract().path("data.credential"));
    }

    /** {@code agents}: those it governs, as its changed events name them (its created event names none yet). */
    private static AgentEvents.Policy policy(UUID id, TestOrg org, int version, String enforcement, Object rules,
                                             UUID... agents) {
        Instant now = Instant.parse("2026-12-01T00:00:00Z");
        return new AgentEvents.Policy(id, org.id(), "policy-" + id.toString().substring(0, 8), "no egress", enforcement,
                dev.warden.events.EventJson.MAPPER.valueToTree(rules), version, List.of(agents), now, "alice", now, "alice");
    }

    /** The policy's own event (created, changed or removed), as agent-service publishes it: keyed by the policy. */
    private static CloudEvent policyEvent(String type, TestOrg org, AgentEvents.Policy policy) {
        return CloudEvent.of(AGENT_SERVICE, type, policy.id().toString(), org.id(), new AgentEvents.PolicyChanged(policy, "alice"));
    }

    /**
     * The policy's own event keyed by the agent instead: on the agent's partition, so that fleet-service reads it in
     * the test's order with the agent's bindings (keyed by the policy, it may come before or after them: a policy
     * that comes after its binding counts a change more, which the tests below that count exactly must not meet).
     */
    private static CloudEvent inOrder(String type, TestOrg org, AgentEvents.Policy policy, UUID agent) {
        return CloudEvent.of(AGENT_SERVICE, type, agent.toString(), org.id(), new AgentEvents.PolicyChanged(policy, "alice"));
    }

    /** A binding's event (bound or unbound), as agent-service publishes it: keyed by the agent, naming the policy. */
    private static CloudEvent bindingEvent(String type, TestOrg org, UUID agent, AgentEvents.Policy policy) {
        return CloudEvent.of(AGENT_SERVICE, type, agent.toString(), org.id(),
                new AgentEvents.PolicyBindingChanged(agent, policy.reference(), "alice"));
    }

    /** A heartbeat as a client of seed 003 sends it: its figures, no policy version. */
    private static ValidatableResponse heartbeat(Running instance) {
        return bearer(instance.credential()).body(Map.of("uptime", 60, "cpu", 1.5, "memory", 20))
                .post("/v1/fleet/agents/" + instance.id() + "/heartbeat").then().statusCode(200);
    }

    private static int pending(Running instance) {
        return heartbeat(instance).extract().path("data.pendingPolicies");
    }

    private static ValidatableResponse fetch(Running instance) {
        return bearer(instance.credential()).get("/v1/fleet/agents/" + instance.id() + "/policies").then().statusCode(200)
                .body("ok", equalTo(true)).body("data.id", equalTo(instance.id()))
                .body("data.agentId", equalTo(instance.agent().toString()));
    }

    private static void awaitPending(Running instance, int expected) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> pending(instance) == expected);
    }

    @Test
    void aSeedOnlyClientFetchesTheRulesPendingPoliciesCountsAndTheCountFalls() {
        Running instance = running(FleetFixtures.organization());
        TestOrg org = instance.org();
        UUID id = UUID.randomUUID();
        AgentEvents.Policy created = policy(id, org, 1, "enforce", List.of(Map.of("action", "http.request", "deny", true)));
        FleetFixtures.publish(Topics.AGENTS, inOrder(EventTypes.POLICY_CREATED, org, created, instance.agent()),
                bindingEvent(EventTypes.POLICY_BOUND, org, instance.agent(), created));
        awaitPending(instance, 1);

        fetch(instance).body("data.policyVersion", equalTo("v1")).body("data.policies", hasSize(1))
                .body("data.policies[0].id", equalTo(id.toString()))
                .body("data.policies[0].name", equalTo(created.name()))
                .body("data.policies[0].description", equalTo("no egress"))
                .body("data.policies[0].enforcement", equalTo("enforce"))
                .body("data.policies[0].version", equalTo(1))
                .body("data.policies[0].updatedAt", equalTo("2026-12-01T00:00:00Z")) // the policy's, not the event's
                .body("data.policies[0].rules", equalTo(List.of(Map.of("action", "http.request", "deny", true))));
        // Fetched with its own credential: the heartbeats, which report no version, count from what it fetched
        heartbeat(instance).body("data.pendingPolicies", equalTo(0)).body("data.policyVersion", equalTo("v1"));
        as(org, "viewer").get("/v1/fleet/agents/" + instance.id()).then().body("data.activePolicyVersion", equalTo("v1"));

        // A change of the policy is pending again, and the fetch has the new rules
        AgentEvents.Policy changed = policy(id, org, 2, "monitor", List.of(Map.of("action", "shell.exec")),
                instance.agent());
        FleetFixtures.publish(Topics.AGENTS, inOrder(EventTypes.POLICY_CHANGED, org, changed, instance.agent()));
        awaitPending(instance, 1);
        fetch(instance).body("data.policyVersion", equalTo("v2"))
                .body("data.policies[0].version", equalTo(2)).body("data.policies[0].enforcement", equalTo("monitor"))
                .body("data.policies[0].rules", equalTo(List.of(Map.of("action", "shell.exec"))));
        heartbeat(instance).body("data.pendingPolicies", equalTo(0));

        // Unbound: pending, and the fetch has no policy left
        FleetFixtures.publish(Topics.AGENTS, bindingEvent(EventTypes.POLICY_UNBOUND, org, instance.agent(), changed));
        awaitPending(instance, 1);
        fetch(instance).body("data.policyVersion", equalTo("v3")).body("data.policies", empty());
        heartbeat(instance).body("data.pendingPolicies", equalTo(0));
    }

    @Test
    void aBindingThatArrivesBeforeItsPolicyIsFetchedAgainOnceThePolicyArrives() {
        Running instance = running(FleetFixtures.organization());
        TestOrg org = instance.org();
        AgentEvents.Policy created = policy(UUID.randomUUID(), org, 1, "enforce", List.of(Map.of("action", "a")));
        // The binding travels on the agent's partition, the policy on its own: the binding may come first
        FleetFixtures.publish(Topics.AGENTS, bindingEvent(EventTypes.POLICY_BOUND, org, instance.agent(), created));
        awaitPending(instance, 1);
        fetch(instance).body("data.policyVersion", equalTo("v1")).body("data.policies", empty());
        heartbeat(instance).body("data.pendingPolicies", equalTo(0));

        FleetFixtures.publish(Topics.AGENTS, policyEvent(EventTypes.POLICY_CREATED, org, created));
        awaitPending(instance, 1);
        fetch(instance).body("data.policyVersion", equalTo("v2")).body("data.policies", hasSize(1))
                .body("data.policies[0].rules", equalTo(List.of(Map.of("action", "a"))));
    }

    @Test
    void aRemovedPolicyIsNotBroughtBackByAnOlderEventReadAgain() {
        Running instance = running(FleetFixtures.organization());
        TestOrg org = instance.org();
        AgentEvents.Policy created = policy(UUID.randomUUID(), org, 1, "enforce", List.of(Map.of("action", "a")));
        AgentEvents.Policy changed = policy(created.id(), org, 2, "enforce", List.of(Map.of("action", "b")),
                instance.agent());
        CloudEvent createdEvent = inOrder(EventTypes.POLICY_CREATED, org, created, instance.agent());
        CloudEvent changedEvent = inOrder(EventTypes.POLICY_CHANGED, org, changed, instance.agent());
        FleetFixtures.publish(Topics.AGENTS, createdEvent, bindingEvent(EventTypes.POLICY_BOUND, org, instance.agent(), created),
                changedEvent);
        awaitPending(instance, 2);
        fetch(instance).body("data.policies[0].version", equalTo(2));

        // Removed while still bound here (its agents' unbound events come on their own partitions), then its older
        // events come again (a redelivery): the policy stays removed
        FleetFixtures.publish(Topics.AGENTS, inOrder(EventTypes.POLICY_REMOVED, org, changed, instance.agent()), createdEvent,
                changedEvent);
        UUID marker = UUID.randomUUID();
        AgentEvents.Policy after = policy(marker, org, 1, "enforce", List.of(Map.of("action", "c")));
        FleetFixtures.publish(Topics.AGENTS, inOrder(EventTypes.POLICY_CREATED, org, after, instance.agent()),
                bindingEvent(EventTypes.POLICY_BOUND, org, instance.agent(), after));
        // The marker's binding comes after the removal and the events read again: once it is fetched, they were applied
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                fetch(instance).extract().<List<String>>path("data.policies.id").contains(marker.toString()));
        fetch(instance).body("data.policies", hasSize(1)).body("data.policies[0].id", equalTo(marker.toString()));
    }

    @Test
    void onlyTheInstanceItselfOrAViewerOfItsOrganizationReadsItsPoliciesAndOnlyTheInstancesFetchCounts() {
        Running instance = running(FleetFixtures.organization());
        TestOrg org = instance.org();
        Running other = running(org);
        AgentEvents.Policy created = policy(UUID.randomUUID(), org, 1, "enforce", List.of(Map.of("action", "a")));
        FleetFixtures.publish(Topics.AGENTS, inOrder(EventTypes.POLICY_CREATED, org, created, instance.agent()),
                bindingEvent(EventTypes.POLICY_BOUND, org, instance.agent(), created));
        awaitPending(instance, 1);

        // A HEAD has no policies in its answer: it does not count as the instance having them
        bearer(instance.credential()).head("/v1/fleet/agents/" + instance.id() + "/policies").then().statusCode(200);
        heartbeat(instance).body("data.pendingPolicies", equalTo(1));
        // Another method is a 405 naming those the path takes, as everywhere (it was a 404, "not found")
        for (String method : List.of("POST", "PUT", "PATCH", "DELETE")) {
            bearer(instance.credential()).request(method, "/v1/fleet/agents/" + instance.id() + "/policies").then()
                    .statusCode(405).header("Allow", "GET, HEAD, OPTIONS").body("ok", equalTo(false))
                    .body("error.code", equalTo("method_not_allowed"));
        }
        // A viewer reads them, and the instance still has them to fetch
        as(org, "viewer").get("/v1/fleet/agents/" + instance.id() + "/policies").then().statusCode(200)
                .body("data.policyVersion", equalTo("v1")).body("data.policies", hasSize(1));
        heartbeat(instance).body("data.pendingPolicies", equalTo(1));
        // Another instance's credential: the same 404 as for an instance that does not exist
        bearer(other.credential()).get("/v1/fleet/agents/" + instance.id() + "/policies").then().statusCode(404)
                .body("ok", equalTo(false));
        bearer(other.credential()).get("/v1/fleet/agents/agent-0000000000000000/policies").then().statusCode(404);
        as(org, "viewer").get("/v1/fleet/agents/not-an-instance/policies").then().statusCode(404).body("ok", equalTo(false));
        // Another organization's viewer: Row-Level Security shows it nothing
        as(FleetFixtures.organization(), "viewer").get("/v1/fleet/agents/" + instance.id() + "/policies").then()
                .statusCode(404);
        // An API key of the instance role is no instance's credential
        TestOrg withInstanceKey = TestOrganizations.create(FleetFixtures.bootstrap(), "operator", "instance");
        String theirs = FleetFixtures.registerId(withInstanceKey, "keyed-host");
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(withInstanceKey, "instance").get("/v1/fleet/agents/" + theirs + "/policies").statusCode() != 401);
        as(withInstanceKey, "instance").get("/v1/fleet/agents/" + theirs + "/policies").then().statusCode(403)
                .body("ok", equalTo(false));
        // Without a credential
        io.restassured.RestAssured.given().get("/v1/fleet/agents/" + instance.id() + "/policies").then().statusCode(401);

        // Deregistered: its credential fetches nothing
        as(org, "operator").delete("/v1/fleet/agents/" + instance.id()).then().statusCode(200);
        bearer(instance.credential()).get("/v1/fleet/agents/" + instance.id() + "/policies").then().statusCode(401);
        heartbeat(other).body("data.pendingPolicies", equalTo(0));
    }

    @Test
    void anAgentsPoliciesPastEightMegabytesComeInPagesOfOneVersionAndOnlyTheLastPageCounts() {
        Running instance = running(FleetFixtures.organization());
        TestOrg org = instance.org();
        // 40 policies of about 250,000 bytes of rules each (agent-service allows 256 KiB): 10 MB in all
        String text = "r".repeat(250_000);
        List<CloudEvent> events = new ArrayList<>();
        Set<String> ids = new TreeSet<>();
        AgentEvents.Policy last = null;
        for (int i = 0; i < 40; i++) {
            last = policy(UUID.randomUUID(), org, 1, "enforce", List.of(Map.of("text", text)));
            ids.add(last.id().toString());
            events.add(policyEvent(EventTypes.POLICY_CREATED, org, last));
            events.add(bindingEvent(EventTypes.POLICY_BOUND, org, instance.agent(), last));
        }
        FleetFixtures.publish(Topics.AGENTS, events.toArray(CloudEvent[]::new));
        // Every policy and binding arrived (a viewer's reads, which count nothing); the version is 40 or more, since a
        // policy that arrives after its binding counts a change of its own
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            ValidatableResponse page = as(org, "viewer").get("/v1/fleet/agents/" + instance.id() + "/policies").then().statusCode(200);
            String next = page.extract().path("data.nextCursor");
            return next != null && page.extract().<List<String>>path("data.policies.id").size()
                    + as(org, "viewer").queryParam("cursor", next).get("/v1/fleet/agents/" + instance.id() + "/policies")
                    .then().statusCode(200).extract().<List<String>>path("data.policies.id").size() == 40;
        });

        ValidatableResponse first = fetch(instance);
        String version = first.extract().path("data.policyVersion");
        List<String> firstIds = first.extract().path("data.policies.id");
        String cursor = first.extract().path("data.nextCursor");
        assertNotNull(cursor, "10 MB in one answer");
        assertTrue(firstIds.size() >= 30 && firstIds.size() <= 34, firstIds.size() + " on the first page");
        // The first page alone is not all of them: still pending, every change
        heartbeat(instance).body("data.pendingPolicies", equalTo(Integer.parseInt(version.substring(1))))
                .body("data.policyVersion", equalTo(version));

        ValidatableResponse second = bearer(instance.credential()).queryParam("cursor", cursor)
                .get("/v1/fleet/agents/" + instance.id() + "/policies").then().statusCode(200)
                .body("data.policyVersion", equalTo(version)).body("data.nextCursor", nullValue());
        List<String> all = new ArrayList<>(firstIds);
        all.addAll(second.extract().<List<String>>path("data.policies.id"));
        assertEquals(List.copyOf(ids), all); // each once, by id
        heartbeat(instance).body("data.pendingPolicies", equalTo(0));

        // A change between the pages: the next page is a 409, not a mix of two versions
        FleetFixtures.publish(Topics.AGENTS, policyEvent(EventTypes.POLICY_CHANGED, org,
                policy(last.id(), org, 2, "monitor", List.of(Map.of("text", "short")), instance.agent())));
        awaitPending(instance, 1);
        bearer(instance.credential()).queryParam("cursor", cursor).get("/v1/fleet/agents/" + instance.id() + "/policies")
                .then().statusCode(409).body("ok", equalTo(false)).body("error.code", equalTo("conflict"));
        heartbeat(instance).body("data.pendingPolicies", equalTo(1));
        // A cursor this API did not make is a 400 naming it
        for (String bad : List.of("nonsense", PageRequest.Cursor.at(Instant.now(), UUID.randomUUID()).encode())) {
            bearer(instance.credential()).queryParam("cursor", bad).get("/v1/fleet/agents/" + instance.id() + "/policies")
                    .then().statusCode(400).body("ok", equalTo(false)).body("error.details[0].field", equalTo("cursor"));
        }
    }
}
