package dev.warden.agent.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Events;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.events.CanonicalJson;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.tenancy.db.TenantDb;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
class AgentLifecycleTest {

    @Inject
    TenantDb db;

    private Tenant tenant;

    @BeforeEach
    void newOrganization() {
        tenant = Tenants.create();
    }

    @Test
    void createdAgentIsInactiveAndCanBeRead() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents")
                .then().statusCode(201)
                .header("Location", endsWith("/v1/agents/" + tenant.admin().get("/v1/agents").path("agents[0].id")))
                .body("status", equalTo("inactive"))
                .body("version", equalTo(0))
                .body("org_id", equalTo(tenant.orgId().toString()))
                .body("image_uri", nullValue())
                .body("risk_config.max_risk_threshold", equalTo(80))
                .body("capabilities.blocked_resources", contains("customer-pii"))
                .extract().path("id");

        tenant.admin().get("/v1/agents/" + id).then().statusCode(200)
                .body("name", equalTo("triage-agent"))
                .body("runtime", equalTo("docker"))
                .body("tags", contains("production", "soc"));
        // Seed 002's defaults for what was not given: mcp_capabilities is {} (an object a client can iterate), not null
        tenant.admin().body(java.util.Map.of("name", "bare", "runtime", "docker")).post("/v1/agents").then().statusCode(201)
                .body("mcp_integration.is_mcp_server", equalTo(false))
                .body("mcp_integration.mcp_server_url", nullValue())
                .body("mcp_integration.mcp_capabilities", equalTo(java.util.Map.of()));
        tenant.admin().get("/v1/agents").then().statusCode(200)
                .body("total", equalTo(2))
                .body("agents", hasSize(2));
    }

    /** Tags are a set, as an instance's are in fleet-service: each kept once, in the order first given. */
    @Test
    void tagsAreKeptOnceEachInTheOrderFirstGiven() {
        String id = tenant.admin().body(java.util.Map.of("name", "tagged", "runtime", "docker",
                "tags", java.util.List.of("b", "a", "b"))).post("/v1/agents").then().statusCode(201)
                .body("tags", contains("b", "a")).extract().path("id");
        tenant.admin().body(java.util.Map.of("tags", java.util.List.of("x", "x", "y"))).patch("/v1/agents/" + id)
                .then().statusCode(200).body("tags", contains("x", "y"));
    }

    @Test
    void patchChangesOnlyTheGivenFields() {
        String id = create();

        tenant.admin().body(Map.of("description", "Updated triage agent with Sentinel integration",
                        "risk_config", Map.of("default_risk_score", 40)))
                .patch("/v1/agents/" + id)
                .then().log().ifValidationFails().statusCode(200)
                .body("description", equalTo("Updated triage agent with Sentinel integration"))
                .body("name", equalTo("triage-agent"))
                .body("risk_config.default_risk_score", equalTo(40))
                .body("risk_config.max_risk_threshold", equalTo(80));

        List<JsonNode> events = Events.about(Topics.AGENTS, id, 2);
        assertEquals(List.of(EventTypes.AGENT_CREATED, EventTypes.AGENT_UPDATED), Events.types(events));
        assertEquals("[\"description\",\"risk_config\"]", events.get(1).at("/data/changed_fields").toString());

        // One capability list given, the others and the tags null (as a generated client sends what it leaves unset):
        // only that list changes
        tenant.admin().body("{\"tags\": null, \"capabilities\": {\"allowed_action_types\": [\"issues:create\"], "
                        + "\"allowed_resources\": null}}").patch("/v1/agents/" + id)
                .then().statusCode(200)
                .body("capabilities.allowed_action_types", contains("issues:create"))
                .body("capabilities.allowed_resources", contains("crowdstrike"))
                .body("capabilities.blocked_resources", contains("customer-pii"))
                .body("tags", contains("production", "soc"));
    }

    @Test
    void anEditBasedOnAnOlderRevisionIsA412AndChangesNothing() throws Exception {
        String id = create();
        String etag = tenant.admin().get("/v1/agents/" + id).then().statusCode(200).header("ETag", equalTo("\"1\""))
                .extract().header("ETag");

        // Two admins edit what they both read: one edit applies, the other is a 412, whichever comes first
        var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> tenant.admin().header("If-Match", etag)
                .body(Map.of("description", "from admin one")).patch("/v1/agents/" + id).statusCode());
        var second = java.util.concurrent.CompletableFuture.supplyAsync(() -> tenant.admin().header("If-Match", etag)
                .body(Map.of("description", "from admin two")).patch("/v1/agents/" + id).statusCode());
        assertEquals(List.of(200, 412), java.util.stream.Stream.of(first.get(), second.get()).sorted().toList());
        String now = tenant.admin().get("/v1/agents/" + id).then().header("ETag", equalTo("\"2\""))
                .extract().path("description");

        tenant.admin().header("If-Match", etag).body(AgentMother.intent()).put("/v1/agents/" + id + "/intent").then()
                .statusCode(412).body("error.code", equalTo("precondition_failed")).body("error.message", containsString("\"2\""));
        tenant.admin().header("If-Match", "W/\"2\"").body(Map.of("description", "weak")).patch("/v1/agents/" + id)
                .then().statusCode(412).body("error.message", containsString("weak")); // not "changed since"
        tenant.admin().get("/v1/agents/" + id).then().body("description", equalTo(now))
                .body("declared_intent", nullValue()).header("ETag", equalTo("\"2\""));

        tenant.admin().header("If-Match", "2").body(Map.of("description", "unquoted")).patch("/v1/agents/" + id).then()
                .statusCode(400).body("error.details.field", contains("If-Match"));
        tenant.admin().header("If-Match", "\"1\", \"2\"").body(Map.of("description", "listed")).patch("/v1/agents/" + id)
                .then().statusCode(200).header("ETag", equalTo("\"3\"")).body("revision", equalTo(3));
        tenant.admin().header("If-Match", "*").body(AgentMother.intent()).put("/v1/agents/" + id + "/intent").then()
                .statusCode(200).header("ETag", equalTo("\"4\""));
        // The agent's events, in order: the refused edits are none of them
        assertEquals(List.of(EventTypes.AGENT_CREATED, EventTypes.AGENT_UPDATED, EventTypes.AGENT_UPDATED,
                EventTypes.AGENT_INTENT_DECLARED), Events.types(Events.about(Topics.AGENTS, id, 4)));
    }

    @Test
    void anAgentOfTypeMcpServerIsAnMcpServerAndARequestSayingOtherwiseIsA400NamingTheField() {
        String id = tenant.admin().body(Map.of("name", "mcp", "runtime", "docker", "agent_type", "mcp_server"))
                .post("/v1/agents").then().statusCode(201).body("mcp_integration.is_mcp_server", equalTo(true))
                .extract().path("id");
        tenant.admin().body(Map.of("name", "liar", "runtime", "docker", "agent_type", "mcp_server",
                        "mcp_integration", Map.of("is_mcp_server", false))).post("/v1/agents")
                .then().statusCode(400).body("error.details.field", contains("mcp_integration.is_mcp_server"));
        tenant.admin().body(Map.of("mcp_integration", Map.of("is_mcp_server", false))).patch("/v1/agents/" + id)
                .then().statusCode(400).body("error.details.field", contains("mcp_integration.is_mcp_server"));

        // Another type says for itself; turning it into an MCP server makes it one
        String other = create();
        tenant.admin().get("/v1/agents/" + other).then().body("mcp_integration.is_mcp_server", equalTo(false));
        tenant.admin().body(Map.of("agent_type", "mcp_server")).patch("/v1/agents/" + other).then().statusCode(200)
                .body("agent_type", equalTo("mcp_server")).body("mcp_integration.is_mcp_server", equalTo(true));
        tenant.admin().get("/v1/agents/" + id).then().body("mcp_integration.is_mcp_server", equalTo(true));
    }

    @Test
    void nullInAPatchClearsAFieldThatMayBeEmptyAndLeavingItOutKeepsIt() {
        String id = create();
        tenant.admin().body(Map.of("notifications", Map.of("webhook_url", "https://hooks.example.com/x"),
                        "mcp_integration", Map.of("mcp_server_url", "https://mcp.example.com/sse"), "llm_model", "gpt-4o"))
                .patch("/v1/agents/" + id).then().statusCode(200)
                .body("notifications.webhook_url", equalTo("https://hooks.example.com/x"));

        // An outbound destination, once set, can be removed; the rest of its object stays as it was
        java.util.Map<String, Object> clear = new java.util.HashMap<>();
        java.util.Map<String, Object> webhook = new java.util.HashMap<>();
        webhook.put("webhook_url", null);
        java.util.Map<String, Object> mcp = new java.util.HashMap<>();
        mcp.put("mcp_server_url", null);
        clear.put("notifications", webhook);
        clear.put("mcp_integration", mcp);
        clear.put("description", null);
        tenant.admin().body(clear).patch("/v1/agents/" + id).then().statusCode(200)
                .body("notifications.webhook_url", nullValue())
                .body("notifications.alert_recipients", notNullValue())
                .body("mcp_integration.mcp_server_url", nullValue())
                .body("description", nullValue())
                .body("llm_model", equalTo("gpt-4o"));
        // A field that may be empty given as null alone is a change, not an empty patch
        java.util.Map<String, Object> model = new java.util.HashMap<>();
        model.put("llm_model", null);
        tenant.admin().body(model).patch("/v1/agents/" + id).then().statusCode(200).body("llm_model", nullValue());
        tenant.admin().get("/v1/agents/" + id).then().statusCode(200)
                .body("notifications.webhook_url", nullValue()).body("llm_model", nullValue());

        // MCP capabilities are an object, empty at most: null clears them to {} (it was stored, and answered, as null,
        // against the agent's schema), in a patch and at creation
        tenant.admin().body(Map.of("mcp_integration", Map.of("mcp_capabilities", Map.of("tools", List.of("search")))))
                .patch("/v1/agents/" + id).then().statusCode(200)
                .body("mcp_integration.mcp_capabilities.tools", contains("search"));
        java.util.Map<String, Object> none = new java.util.HashMap<>();
        none.put("mcp_capabilities", null);
        tenant.admin().body(Map.of("mcp_integration", none)).patch("/v1/agents/" + id).then().statusCode(200)
                .body("mcp_integration.mcp_capabilities", equalTo(Map.of()));
        tenant.admin().get("/v1/agents/" + id).then().body("mcp_integration.mcp_capabilities", equalTo(Map.of()));
        java.util.Map<String, Object> created = new java.util.HashMap<>(AgentMother.triageAgent());
        created.put("mcp_integration", none);
        tenant.admin().body(created).post("/v1/agents").then().statusCode(201)
                .body("mcp_integration.mcp_capabilities", equalTo(Map.of()));
    }

    @Test
    void deployCreatesVersionsAndRollbackReturnsToThePreviousOne() {
        String id = create();

        deploy(id, "registry.example.com/org/triage-agent:v1")
                .body("version", equalTo(1)).body("status", equalTo("active"));
        deploy(id, "registry.example.com/org/triage-agent:v2")
                .body("version", equalTo(2)).body("image_uri", equalTo("registry.example.com/org/triage-agent:v2"));

        tenant.admin().get("/v1/agents/" + id + "/versions").then().statusCode(200)
                .body("total", equalTo(2))
                .body("versions.version", contains(2, 1))
                .body("versions[0].notes", equalTo("release registry.example.com/org/triage-agent:v2"))
                .body("versions[0].deployed_by", notNullValue())
                .body("versions[0].config.replicas", equalTo(1));

        tenant.admin().post("/v1/agents/" + id + "/rollback").then().statusCode(200)
                .body("version", equalTo(1))
                .body("image_uri", equalTo("registry.example.com/org/triage-agent:v1"))
                .body("status", equalTo("active"));

        List<JsonNode> events = Events.about(Topics.AGENTS, id, 4);
        assertEquals(List.of(EventTypes.AGENT_CREATED, EventTypes.AGENT_DEPLOYED, EventTypes.AGENT_DEPLOYED,
                EventTypes.AGENT_ROLLED_BACK), Events.types(events));
        assertEquals(2, events.get(2).at("/data/deployment/version").asInt());
        assertEquals("registry.example.com/org/triage-agent:v2", events.get(2).at("/data/deployment/image_uri").asText());
        assertEquals(2, events.get(3).at("/data/from_version").asInt());
        assertEquals(1, events.get(3).at("/data/to_version").asInt());
    }

    @Test
    void rollbackToAChosenVersionThenDeployContinuesFromTheHighest() {
        String id = create();
        deploy(id, "img:v1");
        deploy(id, "img:v2");
        deploy(id, "img:v3");

        tenant.admin().post("/v1/agents/" + id + "/rollback?target_version=1").then().statusCode(200)
                .body("version", equalTo(1)).body("image_uri", equalTo("img:v1"));
        deploy(id, "img:v4").body("version", equalTo(4));
    }

    @Test
    void rollbackWithoutPreviousVersionIsRejected() {
        String id = create();
        // Seed 001's 400, naming no field the request did not give
        tenant.admin().post("/v1/agents/" + id + "/rollback").then().statusCode(400)
                .body("error.message", containsString("no previous version")).body("error.details", empty());
        tenant.admin().post("/v1/agents/" + id + "/rollback?target_version=0").then().statusCode(400)
                .body("error.details[0].field", equalTo("target_version"));
        deploy(id, "img:v1");
        tenant.admin().post("/v1/agents/" + id + "/rollback").then().statusCode(400)
                .body("error.code", equalTo("invalid_request"));
        tenant.admin().post("/v1/agents/" + id + "/rollback?target_version=7").then().statusCode(400)
                .body("error.details[0].reason", equalTo("version 7 does not exist"));
    }

    @Test
    void suspendSetsSuspendedAndIsRecorded() {
        String id = create();
        deploy(id, "img:v1");

        tenant.admin().post("/v1/agents/" + id + "/suspend").then().statusCode(200)
                .body("status", equalTo("suspended"));
        // Answered only once the suspension is on the broker: nothing of the agent's waits in the outbox any more,
        // so a run asked for from now on sees it (runner-service waits for its projection to reach the broker's end).
        assertEquals(0L, waitingInTheOutbox(id));

        assertEquals(EventTypes.AGENT_SUSPENDED, Events.types(Events.about(Topics.AGENTS, id, 3)).get(2));
        tenant.admin().post("/v1/agents/" + id + "/rollback?lift_suspension=true").then().statusCode(400);
        tenant.admin().body(Map.of("image_uri", "img:v2", "lift_suspension", true)).post("/v1/agents/" + id + "/deploy")
                .then().statusCode(200);
        assertEquals(0L, waitingInTheOutbox(id));
    }

    private long waitingInTheOutbox(String agent) {
        return db.inOrg(tenant.orgId(), conn -> conn.preparedQuery("SELECT count(*) FROM warden_outbox WHERE record_key = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(agent)).map(rows -> rows.iterator().next().getLong(0)))
                .await().atMost(java.time.Duration.ofSeconds(10));
    }

    @Test
    void aSuspensionHoldsUntilAnAdminLiftsItExplicitly() {
        String id = create();
        deploy(id, "img:v1");
        deploy(id, "img:v2");
        String operator = tenant.key("operator");
        tenant.as(operator).post("/v1/agents/" + id + "/suspend").then().statusCode(200);

        tenant.as(operator).body(AgentMother.deployment("img:v3")).post("/v1/agents/" + id + "/deploy").then()
                .statusCode(403).body("error.message", containsString("only an admin can lift a suspension"));
        // Asked explicitly, the answer says the role is what is missing (it told the operator to send what it sent)
        tenant.as(operator).body(Map.of("image_uri", "img:v3", "lift_suspension", true))
                .post("/v1/agents/" + id + "/deploy").then().statusCode(403)
                .body("error.message", containsString("your role may not lift a suspension"));
        tenant.as(operator).post("/v1/agents/" + id + "/rollback?lift_suspension=true").then().statusCode(403)
                .body("error.message", containsString("only an admin can"));
        tenant.admin().body(AgentMother.deployment("img:v3")).post("/v1/agents/" + id + "/deploy").then()
                .statusCode(409).body("error.message", containsString("lift_suspension"));
        tenant.admin().post("/v1/agents/" + id + "/rollback").then().statusCode(409);
        tenant.admin().get("/v1/agents/" + id).then().body("status", equalTo("suspended")).body("version", equalTo(2));

        tenant.admin().post("/v1/agents/" + id + "/rollback?lift_suspension=true").then().statusCode(200)
                .body("status", equalTo("active")).body("version", equalTo(1));
        tenant.as(operator).body(AgentMother.deployment("img:v3")).post("/v1/agents/" + id + "/deploy").then()
                .statusCode(200).body("status", equalTo("active"));
        // Lifting is its own act in the record: the rollback that lifted says so, the deploy after it does not
        List<JsonNode> events = Events.about(Topics.AGENTS, id, 6);
        assertEquals(List.of(false, false), List.of(events.get(1).at("/data/lifted_suspension").asBoolean(),
                events.get(2).at("/data/lifted_suspension").asBoolean()));
        assertEquals(EventTypes.AGENT_ROLLED_BACK, events.get(4).path("type").asText());
        assertEquals(true, events.get(4).at("/data/lifted_suspension").asBoolean());
        assertEquals(false, events.get(5).at("/data/lifted_suspension").asBoolean());
    }

    @Test
    void declaredIntentIsSignedAndDigested() {
        String id = create();

        var agent = tenant.admin().body(AgentMother.intent()).put("/v1/agents/" + id + "/intent")
                .then().statusCode(200)
                .body("declared_intent.permitted_connectors", contains("crowdstrike", "jira"))
                .body("declared_intent_signed_by", notNullValue())
                .body("declared_intent_signed_at", notNullValue())
                .extract().jsonPath();

        JsonNode intent = EventJson.MAPPER.valueToTree(agent.getMap("declared_intent"));
        assertEquals(CanonicalJson.sha256Hex(intent), agent.getString("declared_intent_digest"));
        JsonNode event = Events.about(Topics.AGENTS, id, 2).get(1);
        assertEquals(EventTypes.AGENT_INTENT_DECLARED, event.path("type").asText());
        assertEquals(agent.getString("declared_intent_digest"), event.at("/data/agent/declared_intent_digest").asText());
    }

    @Test
    void eventsAreKeyedAndScopedToTheAgentAndOrganization() {
        String id = create();

        JsonNode created = Events.about(Topics.AGENTS, id, 1).getFirst();

        assertEquals(tenant.orgId().toString(), created.path("orgid").asText());
        assertEquals("/warden/agent-service", created.path("source").asText());
        assertEquals(id, created.at("/data/agent/id").asText());
    }

    private String create() {
        return tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents")
                .then().statusCode(201).extract().path("id");
    }

    private io.restassured.response.ValidatableResponse deploy(String id, String image) {
        return tenant.admin().body(AgentMother.deployment(image)).post("/v1/agents/" + id + "/deploy")
                .then().statusCode(200);
    }
}
