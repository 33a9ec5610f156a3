package dev.warden.agent.lifecycle;

import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Events;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Idempotency-Key: a change sent again with its key is made once, and the second answer is the first. What it is for:
 * a deploy answered 503 after it committed (the broker away: FaultsTest) and sent again.
 */
@QuarkusTest
class IdempotencyTest {

    private static final String HEADER = "Idempotency-Key";

    private Tenant tenant;

    @BeforeEach
    void newOrganization() {
        tenant = Tenants.create();
    }

    @Test
    void aCreateSentTwiceWithItsKeyMakesOneAgentAndAnswersItTwice() {
        String key = UUID.randomUUID().toString();
        Response first = tenant.admin().header(HEADER, key).body(AgentMother.triageAgent()).post("/v1/agents");
        Response again = tenant.admin().header(HEADER, key).body(AgentMother.triageAgent()).post("/v1/agents");

        assertEquals(201, first.statusCode());
        assertEquals(201, again.statusCode());
        assertEquals(first.header("Location"), again.header("Location"));
        assertEquals(first.jsonPath().getString("id"), again.jsonPath().getString("id"));
        assertEquals(first.jsonPath().getString("created_at"), again.jsonPath().getString("created_at"));
        tenant.admin().get("/v1/agents").then().body("total", equalTo(1));

        // Without a key, the same body is a second agent, as before
        tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201);
        tenant.admin().get("/v1/agents").then().body("total", equalTo(2));
    }

    @Test
    void aDeployAndARollbackSentAgainWithTheirKeysAreMadeOnce() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        for (String image : List.of("registry.example.com/triage:v1", "registry.example.com/triage:v2")) {
            String key = UUID.randomUUID().toString();
            for (int i = 0; i < 3; i++) {
                tenant.admin().header(HEADER, key).body(AgentMother.deployment(image)).post("/v1/agents/" + id + "/deploy")
                        .then().statusCode(200).body("image_uri", equalTo(image))
                        .body("version", equalTo(image.endsWith("v1") ? 1 : 2));
            }
        }
        tenant.admin().get("/v1/agents/" + id + "/versions").then().body("total", equalTo(2));

        // A rollback without a target, sent again, would go back two versions; with its key it goes back one
        String key = UUID.randomUUID().toString();
        for (int i = 0; i < 2; i++) {
            tenant.admin().header(HEADER, key).post("/v1/agents/" + id + "/rollback").then().statusCode(200)
                    .body("version", equalTo(1));
        }
        tenant.admin().get("/v1/agents/" + id).then().body("version", equalTo(1));
        assertEquals(List.of(EventTypes.AGENT_CREATED, EventTypes.AGENT_DEPLOYED, EventTypes.AGENT_DEPLOYED,
                EventTypes.AGENT_ROLLED_BACK), Events.types(Events.about(Topics.AGENTS, id, 4)));
    }

    @Test
    void requestsRacingWithOneKeyMakeOneChangeAndAllGetItsAnswer() throws Exception {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        String key = UUID.randomUUID().toString();
        var pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Response>> racing = IntStream.range(0, 8).mapToObj(i -> CompletableFuture.supplyAsync(() ->
                    tenant.admin().header(HEADER, key).body(AgentMother.deployment("registry.example.com/triage:v1"))
                            .post("/v1/agents/" + id + "/deploy"), pool)).toList();
            for (CompletableFuture<Response> answer : racing) {
                assertEquals(200, answer.get().statusCode(), answer.get().asString());
                assertEquals(1, answer.get().jsonPath().getInt("version"));
            }
        } finally {
            pool.shutdownNow();
        }
        tenant.admin().get("/v1/agents/" + id + "/versions").then().body("total", equalTo(1));
    }

    @Test
    void aKeyUsedForAnotherRequestIsA409AndAMalformedKeyA400() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        String key = UUID.randomUUID().toString();
        tenant.admin().header(HEADER, key).body(AgentMother.deployment("registry.example.com/triage:v1"))
                .post("/v1/agents/" + id + "/deploy").then().statusCode(200);
        // Another body, another operation, another agent: each a 409, and nothing changed
        tenant.admin().header(HEADER, key).body(AgentMother.deployment("registry.example.com/triage:v9"))
                .post("/v1/agents/" + id + "/deploy").then().statusCode(409).body("error.code", equalTo("conflict"));
        tenant.admin().header(HEADER, key).post("/v1/agents/" + id + "/rollback").then().statusCode(409);
        tenant.admin().header(HEADER, key).body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(409);
        tenant.admin().get("/v1/agents/" + id).then().body("version", equalTo(1))
                .body("image_uri", equalTo("registry.example.com/triage:v1"));
        tenant.admin().get("/v1/agents").then().body("total", equalTo(1));

        for (String malformed : List.of("", "x".repeat(256), "caf\u00e9", "two words")) {
            tenant.admin().header(HEADER, malformed).body(AgentMother.triageAgent()).post("/v1/agents").then()
                    .statusCode(400).body("error.details[0].field", equalTo(HEADER));
        }
        tenant.admin().get("/v1/agents").then().body("total", equalTo(1));
    }

    /**
     * An answer given to one credential is never given to another with the key: an operator sending an admin's keyed
     * deploy that lifted a suspension (which an operator may not) was answered the admin's 200, its agent "active",
     * while the agent had been suspended again.
     */
    @Test
    void aKeyIsTheCallersOwnAndAnotherCallerSendingItIsA409() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        tenant.admin().body(AgentMother.deployment("registry.example.com/triage:v1")).post("/v1/agents/" + id + "/deploy")
                .then().statusCode(200);
        tenant.admin().post("/v1/agents/" + id + "/suspend").then().statusCode(200);
        String key = UUID.randomUUID().toString();
        Map<String, Object> lifting = Map.of("image_uri", "registry.example.com/triage:v2", "lift_suspension", true);
        tenant.admin().header(HEADER, key).body(lifting).post("/v1/agents/" + id + "/deploy").then().statusCode(200)
                .body("status", equalTo("active"));
        tenant.admin().post("/v1/agents/" + id + "/suspend").then().statusCode(200);

        String operator = tenant.key("operator");
        tenant.as(operator).header(HEADER, key).body(lifting).post("/v1/agents/" + id + "/deploy").then().statusCode(409)
                .body("error.code", equalTo("conflict"));
        tenant.as(operator).body(lifting).post("/v1/agents/" + id + "/deploy").then().statusCode(403);
        tenant.admin().header(HEADER, key).body(lifting).post("/v1/agents/" + id + "/deploy").then().statusCode(200);
        tenant.admin().get("/v1/agents/" + id).then().body("status", equalTo("suspended")).body("version", equalTo(2));
    }

    @Test
    void aKeySentToAnOperationThatTakesNoneIsA400AndNothingIsMade() {
        String key = UUID.randomUUID().toString();
        String name = "keyed-" + UUID.randomUUID();
        // Creating a policy takes no key: sent twice, it would make two policies, so it is refused rather than ignored
        tenant.admin().header(HEADER, key).body(Map.of("name", name, "rules", List.of(Map.of("effect", "deny",
                        "action", "files:export")))).post("/v1/policies").then().statusCode(400)
                .body("error.details[0].field", equalTo(HEADER))
                .body("error.details[0].reason", org.hamcrest.Matchers.containsString("not taken by this operation"));
        tenant.admin().get("/v1/policies?limit=500").then().statusCode(200)
                .body("policies.name", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem(name)));
        // What is idempotent as it is keeps working with one, and so do the operations that take one
        tenant.admin().header(HEADER, key).get("/v1/policies").then().statusCode(200);
        tenant.admin().header(HEADER, key).body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201);
    }

    @Test
    void keysAreEachOrganizationsOwn() {
        Tenant other = Tenants.create();
        String key = UUID.randomUUID().toString();
        String mine = tenant.admin().header(HEADER, key).body(AgentMother.triageAgent()).post("/v1/agents").then()
                .statusCode(201).extract().path("id");
        // The same key in another organization is that organization's own: a change of its own, nothing of ours
        String theirs = other.admin().header(HEADER, key).body(AgentMother.triageAgent()).post("/v1/agents").then()
                .statusCode(201).extract().path("id");
        assertEquals(false, mine.equals(theirs));
        other.admin().get("/v1/agents/" + mine).then().statusCode(404);
        other.admin().get("/v1/agents").then().body("total", equalTo(1));
    }
}
