package dev.warden.agent.registration;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.lifecycle.Agent;
import dev.warden.agent.support.AgentKeys;
import dev.warden.agent.support.Events;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.agent.AgentType;
import dev.warden.tenancy.db.TenantDb;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Beyond seed 004: auto-approval rules, bulk decisions and the expiry of undecided registrations. */
@QuarkusTest
class RegistrationRulesTest {

    @Inject
    TenantDb db;
    @Inject
    RegistrationRepository repository;

    private Tenant tenant;

    @BeforeEach
    void newOrganization() {
        tenant = Tenants.create();
    }

    @Test
    void aMatchingRuleApprovesAtOnceGrantingWhatWasAskedAndTheDecisionNamesTheRule() {
        String ruleId = rule(Map.of("name", "read-only helpers", "capabilities", List.of("api_call", "file_access"),
                "maxRiskScore", 30));
        AgentKeys keys = AgentKeys.generate();

        tenant.admin().body(keys.registration(tenant, tenant.adminKey(), "helper", List.of("api_call", "file_access")))
                .post("/v1/agents/register").then().statusCode(201)
                .body("agentId", equalTo(keys.did()))
                .body("status", equalTo("approved"))
                .body("message", equalTo("Agent registered and approved by rule read-only helpers."));

        tenant.admin().get("/v1/registrations").then().body("registrations", empty());
        List<Map<String, Object>> agents = tenant.admin().get("/v1/agents").then().extract().path("agents");
        Map<String, Object> agent = agents.stream().filter(a -> keys.did().equals(a.get("did"))).findFirst().orElseThrow();
        assertEquals(List.of("api_call", "file_access"), agent.get("granted_capabilities"));
        assertEquals("rule:read-only helpers", agent.get("approved_by"));

        JsonNode approved = Events.about(Topics.AGENTS, registrationOf(keys), 2).get(1);
        assertEquals(EventTypes.REGISTRATION_APPROVED, approved.path("type").asText());
        assertEquals(ruleId, approved.at("/data/rule_id").asText());
        assertEquals("rule:read-only helpers", approved.at("/data/decided_by").asText());
        assertEquals("[\"api_call\",\"file_access\"]", approved.at("/data/registration/requested_capabilities").toString());
        assertEquals("[\"api_call\",\"file_access\"]", approved.at("/data/granted_capabilities").toString());
        assertEquals(25, approved.at("/data/registration/risk_score").asInt());
    }

    @Test
    void aRequestOutsideTheSetAboveTheCeilingOrOfAnotherTypeWaitsForAnAdmin() {
        rule(Map.of("name", "small", "capabilities", List.of("api_call", "file_access", "system_command"),
                "maxRiskScore", 30, "agentType", "advisory"));

        AgentKeys outside = AgentKeys.generate();
        register(outside, "outside", List.of("api_call", "mail_send"), "advisory").body("status", equalTo("pending"));
        AgentKeys risky = AgentKeys.generate();
        register(risky, "risky", List.of("api_call", "system_command"), "advisory").body("status", equalTo("pending"));
        AgentKeys untyped = AgentKeys.generate();
        register(untyped, "untyped", List.of("api_call"), null).body("status", equalTo("pending"));
        AgentKeys wrongType = AgentKeys.generate();
        register(wrongType, "autonomous", List.of("api_call"), "autonomous").body("status", equalTo("pending"));
        AgentKeys nothing = AgentKeys.generate(); // asks for nothing: a subset of every rule, so no rule may decide it
        register(nothing, "nothing", List.of(), "advisory").body("status", equalTo("pending"));
        AgentKeys fits = AgentKeys.generate();
        register(fits, "fits", List.of("api_call"), "advisory").body("status", equalTo("approved"));

        tenant.admin().get("/v1/registrations").then()
                .body("registrations.name", contains("outside", "risky", "untyped", "autonomous", "nothing"))
                .body("registrations.agentType", contains("advisory", "advisory", null, "autonomous", "advisory"));
        List<Map<String, Object>> agents = tenant.admin().get("/v1/agents").then().extract().path("agents");
        Map<String, Object> agent = agents.stream().filter(a -> fits.did().equals(a.get("did"))).findFirst().orElseThrow();
        assertEquals(AgentType.ADVISORY.toString(), agent.get("agent_type"));
    }

    @Test
    void anMcpServerApprovedByARuleOrByAnAdminServesMcp() {
        // As an agent of that type created through the API: seed 002's type_filter=mcp_server and is_mcp_server agree
        rule(Map.of("name", "mcp", "capabilities", List.of("api_call"), "maxRiskScore", 30, "agentType", "mcp_server"));
        AgentKeys byRule = AgentKeys.generate();
        register(byRule, "mcp-by-rule", List.of("api_call"), "mcp_server").body("status", equalTo("approved"));
        AgentKeys byAdmin = AgentKeys.generate();
        register(byAdmin, "mcp-by-admin", List.of("api_call", "mail_send"), "mcp_server").body("status", equalTo("pending"));
        tenant.admin().body(Map.of("capabilities", List.of("api_call"))).post("/v1/registrations/" + registrationOf(byAdmin)
                + "/approve").then().statusCode(200);
        List<Map<String, Object>> agents = tenant.admin().get("/v1/agents").then().extract().path("agents");
        for (AgentKeys keys : List.of(byRule, byAdmin)) {
            Map<String, Object> agent = agents.stream().filter(a -> keys.did().equals(a.get("did"))).findFirst().orElseThrow();
            assertEquals("mcp_server", agent.get("agent_type"));
            assertEquals(Boolean.TRUE, ((Map<?, ?>) agent.get("mcp_integration")).get("is_mcp_server"), agent.toString());
        }
    }

    @Test
    void rulesAreListedOldestFirstDeletedWithEventsAndRefusedWhenMalformed() {
        String first = rule(Map.of("name", "first", "capabilities", List.of("api_call")));
        String second = rule(Map.of("name", "second", "capabilities", List.of("file_access"), "agentType", "supervised"));
        tenant.admin().get("/v1/registrations/rules").then().statusCode(200)
                .body("rules.id", contains(first, second))
                .body("rules[1].agentType", equalTo("supervised"))
                .body("rules[0].maxRiskScore", nullValue())
                .body("rules[0].createdBy", notNullValue());
        String next = tenant.admin().get("/v1/registrations/rules?limit=1").then().statusCode(200)
                .body("rules.id", contains(first)).body("nextCursor", notNullValue()).extract().path("nextCursor");
        tenant.admin().get("/v1/registrations/rules?limit=1&cursor=" + next).then().statusCode(200)
                .body("rules.id", contains(second)).body("$", not(hasKey("nextCursor")));
        String secondCreated = tenant.admin().get("/v1/registrations/rules").then().extract().path("rules[1].createdAt");
        tenant.admin().get("/v1/registrations/rules?updated_since=" + secondCreated).then().statusCode(200)
                .body("rules.id", contains(second));
        refused(tenant.admin().get("/v1/registrations/rules?cursor=nope").then(), 400, "cursor");

        refused(tenant.admin().body(Map.of("name", "first", "capabilities", List.of("api_call")))
                .post("/v1/registrations/rules").then(), 409, null);
        refused(tenant.admin().body(Map.of("name", "x", "capabilities", List.of("teleport")))
                .post("/v1/registrations/rules").then(), 400, "capabilities");
        // A rule naming no capability would decide nothing: refused
        refused(tenant.admin().body(Map.of("name", "x", "capabilities", List.of()))
                .post("/v1/registrations/rules").then(), 400, "capabilities");
        refused(tenant.admin().body(Map.of("name", "x", "capabilities", List.of("api_call"), "maxRiskScore", 101))
                .post("/v1/registrations/rules").then(), 400, "maxRiskScore");
        refused(tenant.admin().body(Map.of("name", "x", "capabilities", List.of("api_call"), "agentType", "robot"))
                .post("/v1/registrations/rules").then(), 400, "agentType");
        refused(tenant.admin().body(Map.of("capabilities", List.of("api_call")))
                .post("/v1/registrations/rules").then(), 400, "name");
        refused(tenant.as(tenant.key("operator")).body(Map.of("name", "y", "capabilities", List.of("api_call")))
                .post("/v1/registrations/rules").then(), 403, null);

        Tenant other = Tenants.create();
        other.admin().get("/v1/registrations/rules").then().statusCode(200).body("rules", empty());
        refused(other.admin().delete("/v1/registrations/rules/" + first).then(), 404, null);

        tenant.admin().delete("/v1/registrations/rules/" + first).then().statusCode(204);
        refused(tenant.admin().delete("/v1/registrations/rules/" + first).then(), 404, null);
        tenant.admin().get("/v1/registrations/rules").then().body("rules.id", contains(second));
        List<JsonNode> events = Events.about(Topics.AGENTS, first, 2);
        assertEquals(List.of(EventTypes.REGISTRATION_RULE_CREATED, EventTypes.REGISTRATION_RULE_DELETED), Events.types(events));
        assertEquals("first", events.get(1).at("/data/rule/name").asText());
    }

    @Test
    void parallelCreatesKeepTheCapAndOneRulePerNameAnsweringEachLoserWithA409() throws Exception {
        for (int i = 0; i < RegistrationRuleRepository.MAX_RULES - 5; i++) {
            rule(Map.of("name", "r" + i, "capabilities", List.of("api_call")));
        }
        // Twelve with one name and twelve with names of their own, all at once: 6 fit under the cap
        List<Map<String, Object>> bodies = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            bodies.add(Map.of("name", "same", "capabilities", List.of("api_call")));
            bodies.add(Map.of("name", "own-" + i, "capabilities", List.of("api_call")));
        }
        List<Integer> statuses;
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(bodies.size())) {
            var ready = new java.util.concurrent.CountDownLatch(bodies.size());
            List<java.util.concurrent.Future<Integer>> answers = bodies.stream().map(body -> pool.submit(() -> {
                ready.countDown();
                ready.await();
                return tenant.admin().body(body).post("/v1/registrations/rules").statusCode();
            })).toList();
            statuses = new java.util.ArrayList<>();
            for (var answer : answers) {
                statuses.add(answer.get());
            }
        }
        assertEquals(5, statuses.stream().filter(s -> s == 201).count(), statuses.toString());
        assertEquals(bodies.size() - 5, statuses.stream().filter(s -> s == 409).count(), statuses.toString());
        tenant.admin().get("/v1/registrations/rules?limit=200").then().statusCode(200)
                .body("rules.size()", equalTo(RegistrationRuleRepository.MAX_RULES));
    }

    @Test
    void bulkDecisionsDecideEachAndReportTheOnesThatCannotBe() {
        String a = AgentKeys.generate().register(tenant, "a", List.of("api_call", "file_access"));
        String b = AgentKeys.generate().register(tenant, "b", List.of("api_call"));
        String c = AgentKeys.generate().register(tenant, "c", List.of("mail_send"));
        String d = AgentKeys.generate().register(tenant, "d", List.of("mail_send"));
        String foreign = AgentKeys.generate().register(Tenants.create(), "foreign", List.of("api_call"));

        tenant.admin().body(Map.of("decision", "reject", "ids", List.of(d), "reason", "not now"))
                .post("/v1/registrations/decisions").then().statusCode(200).body("succeeded", equalTo(1));
        tenant.admin().body(Map.of("decision", "approve", "ids", List.of(a, b, c, d, foreign), "capabilities", List.of("api_call")))
                .post("/v1/registrations/decisions").then().statusCode(200)
                .body("results.id", contains(a, b, c, d, foreign))
                .body("results.success", contains(true, true, false, false, false))
                .body("results[0].agentId", notNullValue())
                .body("results[2].error.status", equalTo(400))
                .body("results[3].error.status", equalTo(409))
                .body("results[4].error.status", equalTo(404))
                .body("succeeded", equalTo(2)).body("failed", equalTo(3));
        tenant.admin().get("/v1/registrations").then().body("registrations.id", contains(c));

        String e = AgentKeys.generate().register(tenant, "e", List.of("code_execution"));
        tenant.admin().body(Map.of("decision", "approve", "ids", List.of(c, e)))
                .post("/v1/registrations/decisions").then().statusCode(200).body("succeeded", equalTo(2));
        tenant.admin().get("/v1/registrations").then().body("registrations", empty());
        List<Map<String, Object>> agents = tenant.admin().get("/v1/agents").then().extract().path("agents");
        assertEquals(List.of("code_execution"), agents.stream().filter(x -> "e".equals(x.get("name"))).findFirst()
                .orElseThrow().get("granted_capabilities"));
    }

    @Test
    void malformedBulkDecisionsAreRefusedByName() {
        String a = AgentKeys.generate().register(tenant, "a", List.of("api_call"));
        refused(post(Map.of("ids", List.of(a))), 400, "decision");
        refused(post(Map.of("decision", "maybe", "ids", List.of(a))), 400, "decision");
        refused(post(Map.of("decision", "approve")), 400, "ids");
        refused(post(Map.of("decision", "approve", "ids", List.of())), 400, "ids");
        refused(post(Map.of("decision", "approve", "ids", List.of(a, a))), 400, "ids");
        refused(post(Map.of("decision", "reject", "ids", List.of(a))), 400, "reason");
        refused(post(Map.of("decision", "reject", "ids", List.of(a), "reason", "x", "capabilities", List.of("api_call"))), 400, "capabilities");
        refused(post(Map.of("decision", "approve", "ids", List.of("not-a-uuid"))), 400, null);
        List<UUID> many = java.util.stream.Stream.generate(UUID::randomUUID).limit(101).toList();
        refused(post(Map.of("decision", "approve", "ids", many)), 400, "ids");
        refused(tenant.as(tenant.key("operator")).body(Map.of("decision", "approve", "ids", List.of(a)))
                .post("/v1/registrations/decisions").then(), 403, null);
        tenant.admin().get("/v1/registrations").then().body("registrations.id", contains(a));
    }

    @Test
    void aRegistrationNobodyDecidesExpiresWithItsEventAndItsKeyMayAskAgain() {
        AgentKeys keys = AgentKeys.generate();
        Registration old = new Registration();
        old.id = UUID.randomUUID();
        old.orgId = tenant.orgId();
        old.name = "forgotten";
        old.version = "1.0.0";
        old.publicKey = keys.publicKey();
        old.requestedCapabilities = List.of("api_call");
        old.status = Registration.PENDING;
        old.requestedAt = Agent.now().minus(Duration.ofDays(7)).minusSeconds(5);
        db.inOrg(tenant.orgId(), conn -> repository.insert(conn, old)).await().atMost(Duration.ofSeconds(10));
        String id = old.id.toString();

        tenant.admin().get("/v1/registrations").then().body("registrations.id", not(hasItem(id)));
        refused(tenant.admin().body(Map.of("capabilities", List.of("api_call"))).post("/v1/registrations/" + id + "/approve")
                .then(), 409, null);

        JsonNode expired = Events.about(Topics.AGENTS, id, 1).getFirst();
        assertEquals(EventTypes.REGISTRATION_EXPIRED, expired.path("type").asText());
        assertEquals("expired", expired.at("/data/registration/status").asText());
        refused(tenant.admin().body(Map.of("reason", "late")).post("/v1/registrations/" + id + "/reject").then(), 409, null);

        tenant.admin().body(keys.registration(tenant, tenant.adminKey(), "again", List.of("api_call")))
                .post("/v1/agents/register").then().statusCode(201).body("status", equalTo("pending"));
        tenant.admin().get("/v1/registrations").then().body("registrations.name", contains("again"));
    }

    private String rule(Map<String, Object> body) {
        return tenant.admin().body(body).post("/v1/registrations/rules").then().statusCode(201)
                .header("Location", notNullValue()).extract().path("id");
    }

    private ValidatableResponse register(AgentKeys keys, String name, List<String> capabilities, String agentType) {
        Map<String, Object> body = new HashMap<>(keys.registration(tenant, tenant.adminKey(), name, capabilities));
        if (agentType != null) {
            body.put("agentType", agentType);
        }
        return tenant.admin().body(body).post("/v1/agents/register").then().statusCode(201);
    }

    private String registrationOf(AgentKeys keys) {
        return db.inOrg(tenant.orgId(), conn -> conn.preparedQuery("SELECT id FROM registrations WHERE public_key = $1")
                        .execute(io.vertx.mutiny.sqlclient.Tuple.of(keys.publicKey()))
                        .map(rows -> rows.iterator().next().getUUID("id").toString()))
                .await().atMost(Duration.ofSeconds(10));
    }

    private ValidatableResponse post(Map<String, Object> body) {
        return tenant.admin().body(body).post("/v1/registrations/decisions").then();
    }

    private static void refused(ValidatableResponse response, int status, String field) {
        response.statusCode(status).body("error.code", notNullValue()).body("error.message", notNullValue());
        if (field != null) {
            response.body("error.details.field", hasItem(field));
        }
    }
}
