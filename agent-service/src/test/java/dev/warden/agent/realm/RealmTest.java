package dev.warden.agent.realm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.support.AgentKeys;
import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Events;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seed 004's realms, and the realm and language model of agents. */
@QuarkusTest
class RealmTest {

    private Tenant tenant;

    @BeforeEach
    void newOrganization() {
        tenant = Tenants.create();
    }

    private String createRealm(Tenant in, String slug) {
        return in.admin().body(Map.of("name", "Engineering", "slug", slug, "color", "#3b82f6"))
                .post("/v1/realms").then().statusCode(201).extract().path("id");
    }

    @Test
    void aRealmIsCreatedReadListedChangedAndRemovedInTheSeedShapeWithItsEvents() {
        Map<String, Object> created = tenant.admin().body(Map.of("name", "Engineering", "slug", "eng", "color", "#3b82f6"))
                .post("/v1/realms").then().statusCode(201).extract().as(Map.class);
        String id = (String) created.get("id");
        assertEquals(Set.of("id", "name", "slug", "color", "createdAt", "updatedAt"), created.keySet());
        assertEquals("Engineering", created.get("name"));
        assertEquals("eng", created.get("slug"));
        assertEquals("#3b82f6", created.get("color"));
        Instant.parse((String) created.get("createdAt"));

        String viewer = tenant.key("viewer");
        tenant.as(viewer).get("/v1/realms/" + id).then().statusCode(200).body("slug", equalTo("eng"));
        Map<String, Object> list = tenant.as(viewer).get("/v1/realms").then().statusCode(200).extract().as(Map.class);
        assertEquals(Set.of("realms", "total", "totalExact", "nextCursor"), list.keySet());
        assertEquals(1, list.get("total"));
        assertEquals(created, ((List<?>) list.get("realms")).getFirst());
        tenant.as(viewer).body(Map.of("name", "x", "slug", "x", "color", "#000000")).post("/v1/realms").then().statusCode(403);

        tenant.admin().body(Map.of("color", "#ef4444")).patch("/v1/realms/" + id).then().statusCode(200)
                .body("color", equalTo("#ef4444")).body("slug", equalTo("eng")).body("name", equalTo("Engineering"));
        tenant.admin().delete("/v1/realms/" + id).then().statusCode(204);
        tenant.admin().get("/v1/realms/" + id).then().statusCode(404).body("error.code", equalTo("not_found"));

        List<JsonNode> events = Events.about(Topics.AGENTS, id, 3);
        assertEquals(List.of(EventTypes.REALM_CREATED, EventTypes.REALM_CHANGED, EventTypes.REALM_DELETED), Events.types(events));
        assertEquals("eng", events.get(0).at("/data/realm/slug").asText());
        assertEquals(tenant.orgId().toString(), events.get(0).at("/data/realm/org_id").asText());
        assertEquals("#ef4444", events.get(1).at("/data/realm/color").asText());
        assertEquals(id, events.get(2).at("/data/realm/id").asText());
        // Each change names who made it, the deletion too (audit-service records it as the entry's actor)
        String admin = events.get(0).at("/data/realm/created_by").asText();
        assertTrue(admin.startsWith("api-key:"), admin);
        events.forEach(e -> assertEquals(admin, e.at("/data/changed_by").asText()));
    }

    @Test
    void anEditOfARealmBasedOnWhatItNoLongerIsIsA412AndChangesNothing() {
        var created = tenant.admin().body(Map.of("name", "Engineering", "slug", "eng", "color", "#3b82f6"))
                .post("/v1/realms").then().statusCode(201).header("ETag", equalTo("\"1\"")).extract();
        String id = created.path("id");
        tenant.admin().get("/v1/realms/" + id).then().statusCode(200).header("ETag", equalTo("\"1\""));
        // Two admins read it at "1"; the first one's change makes it "2"
        tenant.admin().header("If-Match", "\"1\"").body(Map.of("color", "#ef4444")).patch("/v1/realms/" + id)
                .then().statusCode(200).header("ETag", equalTo("\"2\"")).body("color", equalTo("#ef4444"));
        tenant.admin().header("If-Match", "\"1\"").body(Map.of("name", "Platform")).patch("/v1/realms/" + id)
                .then().statusCode(412).body("error.code", equalTo("precondition_failed"));
        tenant.admin().header("If-Match", "W/\"2\"").body(Map.of("name", "Platform")).patch("/v1/realms/" + id)
                .then().statusCode(412);
        tenant.admin().header("If-Match", "2").body(Map.of("name", "Platform")).patch("/v1/realms/" + id)
                .then().statusCode(400).body("error.details.field", hasItem("If-Match"));
        tenant.admin().get("/v1/realms/" + id).then().statusCode(200).body("name", equalTo("Engineering"))
                .body("$", not(org.hamcrest.Matchers.hasKey("revision")));
        // With the current tag, or without the header (seed 004's clients), the edit applies
        tenant.admin().header("If-Match", "\"2\"").body(Map.of("name", "Platform")).patch("/v1/realms/" + id)
                .then().statusCode(200).header("ETag", equalTo("\"3\"")).body("name", equalTo("Platform"));
        tenant.admin().body(Map.of("slug", "platform")).patch("/v1/realms/" + id)
                .then().statusCode(200).header("ETag", equalTo("\"4\""));
        // A change that changes nothing keeps the tag
        tenant.admin().body(Map.of("slug", "platform")).patch("/v1/realms/" + id)
                .then().statusCode(200).header("ETag", equalTo("\"4\""));
    }

    @Test
    void badFieldsAre400sNamingTheField() {
        Map<String, Object> valid = Map.of("name", "Engineering", "slug", "eng", "color", "#3b82f6");
        for (var bad : List.of(Map.entry("slug", "Eng"), Map.entry("slug", "-eng"), Map.entry("slug", "e g"),
                Map.entry("slug", "x".repeat(65)), Map.entry("color", "blue"), Map.entry("color", "#3b82f"),
                Map.entry("color", "#3B82F6"), Map.entry("name", " "), Map.entry("name", "n".repeat(201)))) {
            Map<String, Object> body = new HashMap<>(valid);
            body.put(bad.getKey(), bad.getValue());
            tenant.admin().body(body).post("/v1/realms").then().statusCode(400)
                    .body("error.details.field", hasItem(bad.getKey()));
        }
        for (String missing : List.of("name", "slug", "color")) {
            Map<String, Object> body = new HashMap<>(valid);
            body.remove(missing);
            tenant.admin().body(body).post("/v1/realms").then().statusCode(400).body("error.details.field", hasItem(missing));
        }
        String id = createRealm(tenant, "eng");
        tenant.admin().body(Map.of("color", "red")).patch("/v1/realms/" + id).then().statusCode(400)
                .body("error.details.field", hasItem("color"));
        tenant.admin().body(Map.of()).patch("/v1/realms/" + id).then().statusCode(400);
        tenant.admin().get("/v1/realms/not-a-uuid").then().statusCode(400).body("error.details.field", hasItem("realm_id"));
    }

    @Test
    void aSlugIsUniqueInTheOrganizationOnly() {
        createRealm(tenant, "eng");
        tenant.admin().body(Map.of("name", "Other", "slug", "eng", "color", "#000000")).post("/v1/realms")
                .then().statusCode(409).body("error.code", equalTo("conflict"));
        String ops = createRealm(tenant, "ops");
        tenant.admin().body(Map.of("slug", "eng")).patch("/v1/realms/" + ops).then().statusCode(409);
        tenant.admin().body(Map.of("slug", "ops")).patch("/v1/realms/" + ops).then().statusCode(200);
        createRealm(Tenants.create(), "eng");
    }

    @Test
    void aRealmWithAnAgentInItIsNotRemoved() {
        String realm = createRealm(tenant, "eng");
        String agent = tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "realm", realm)).post("/v1/agents")
                .then().statusCode(201).body("realm", equalTo(realm)).extract().path("id");

        tenant.admin().delete("/v1/realms/" + realm).then().statusCode(409).body("error.code", equalTo("conflict"));

        String other = createRealm(tenant, "ops");
        tenant.admin().body(Map.of("realm", other)).patch("/v1/agents/" + agent).then().statusCode(200)
                .body("realm", equalTo(other));
        tenant.admin().delete("/v1/realms/" + realm).then().statusCode(204);
    }

    @Test
    void anotherOrganizationsRealmIsNotFoundAndCannotBeAssigned() {
        Tenant other = Tenants.create();
        String theirs = createRealm(other, "eng");

        tenant.admin().get("/v1/realms/" + theirs).then().statusCode(404);
        tenant.admin().body(Map.of("name", "Mine")).patch("/v1/realms/" + theirs).then().statusCode(404);
        tenant.admin().delete("/v1/realms/" + theirs).then().statusCode(404);
        tenant.admin().get("/v1/realms").then().statusCode(200).body("realms.id", not(hasItem(theirs)));

        tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "realm", theirs)).post("/v1/agents")
                .then().statusCode(400).body("error.details.field", hasItem("realm"));
        String agent = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .body("realm", nullValue()).extract().path("id");
        tenant.admin().body(Map.of("realm", theirs)).patch("/v1/agents/" + agent).then().statusCode(400)
                .body("error.details.field", hasItem("realm"));
        tenant.admin().body(Map.of("realm", UUID.randomUUID().toString())).patch("/v1/agents/" + agent).then()
                .statusCode(400).body("error.details.field", hasItem("realm"));
        other.admin().get("/v1/realms/" + theirs).then().statusCode(200);
    }

    @Test
    void anAgentsRealmAndLanguageModelAreSetOnCreateAndPatchAndTravelInItsEvents() {
        String eng = createRealm(tenant, "eng");
        String ops = createRealm(tenant, "ops");
        Map<String, Object> body = new HashMap<>(AgentMother.triageAgent());
        body.put("realm", eng);
        body.put("llm_provider", "openai");
        body.put("llm_model", "gpt-4o");
        body.put("llm_system_prompt", "You are a financial analyst...");
        String agent = tenant.admin().body(body).post("/v1/agents").then().statusCode(201)
                .body("realm", equalTo(eng)).body("llm_provider", equalTo("openai")).body("llm_model", equalTo("gpt-4o"))
                .body("llm_system_prompt", equalTo("You are a financial analyst...")).extract().path("id");

        tenant.admin().body(Map.of("realm", ops, "llm_model", "gpt-4.1")).patch("/v1/agents/" + agent).then().statusCode(200)
                .body("realm", equalTo(ops)).body("llm_model", equalTo("gpt-4.1")).body("llm_provider", equalTo("openai"));
        tenant.admin().get("/v1/agents/" + agent).then().body("realm", equalTo(ops)).body("llm_model", equalTo("gpt-4.1"));

        List<JsonNode> events = Events.about(Topics.AGENTS, agent, 2);
        assertEquals(List.of(EventTypes.AGENT_CREATED, EventTypes.AGENT_UPDATED), Events.types(events));
        assertEquals(eng, events.get(0).at("/data/agent/realm").asText());
        assertEquals("openai", events.get(0).at("/data/agent/llm_provider").asText());
        assertEquals("gpt-4o", events.get(0).at("/data/agent/llm_model").asText());
        assertEquals("You are a financial analyst...", events.get(0).at("/data/agent/llm_system_prompt").asText());
        assertEquals(ops, events.get(1).at("/data/agent/realm").asText());
        assertEquals("gpt-4.1", events.get(1).at("/data/agent/llm_model").asText());
        assertEquals("[\"realm\",\"llm_model\"]", events.get(1).at("/data/changed_fields").toString());
    }

    @Test
    void languageModelFieldsAreLengthChecked() {
        for (var bad : List.of(Map.entry("llm_provider", "p".repeat(201)), Map.entry("llm_model", "m".repeat(201)),
                Map.entry("llm_system_prompt", "s".repeat(16_001)))) {
            tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), bad.getKey(), bad.getValue())).post("/v1/agents")
                    .then().statusCode(400).body("error.details.field", hasItem(bad.getKey()));
        }
        tenant.admin().body(AgentMother.with(AgentMother.triageAgent(), "realm", "not-a-uuid")).post("/v1/agents")
                .then().statusCode(400).body("error.details.field", hasItem("realm"));
    }

    @Test
    void approvalMayPutTheAgentInARealmOfTheOrganization() {
        String eng = createRealm(tenant, "eng");
        String theirs = createRealm(Tenants.create(), "eng");
        AgentKeys keys = AgentKeys.generate();
        String id = keys.register(tenant, "analyst", List.of("api_call"));

        tenant.admin().body(Map.of("capabilities", List.of("api_call"), "realm", theirs))
                .post("/v1/registrations/" + id + "/approve").then().statusCode(400)
                .body("error.details.field", hasItem("realm"));
        tenant.admin().body(Map.of("capabilities", List.of("api_call"), "realm", eng))
                .post("/v1/registrations/" + id + "/approve").then().statusCode(200).body("agentId", equalTo(keys.did()));

        List<Map<String, Object>> agents = tenant.admin().get("/v1/agents").then().statusCode(200).extract().path("agents");
        Map<String, Object> agent = agents.stream().filter(a -> keys.did().equals(a.get("did"))).findFirst().orElseThrow();
        assertEquals(eng, agent.get("realm"));
        JsonNode created = Events.about(Topics.AGENTS, (String) agent.get("id"), 1).getFirst();
        assertEquals(eng, created.at("/data/agent/realm").asText());
        assertTrue(created.at("/data/agent/llm_provider").isNull());
        tenant.admin().delete("/v1/realms/" + eng).then().statusCode(409);
    }
}
