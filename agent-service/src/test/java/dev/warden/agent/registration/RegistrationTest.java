package dev.warden.agent.registration;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.support.AgentKeys;
import dev.warden.agent.support.Events;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seed 004's registration: proof of key possession, approval of a subset, rejection with a reason, decided once. */
@QuarkusTest
class RegistrationTest {

    private static final List<String> SEED_CAPABILITIES = List.of("file_access", "internet_access", "browser_control",
            "api_call", "mail_send", "code_execution", "system_command", "agent_communication");

    @Inject
    TenantDb db;
    @Inject
    RegistrationRepository repository;

    private Tenant tenant;
    private String operator;

    @BeforeEach
    void newOrganization() {
        tenant = Tenants.create();
        operator = tenant.key("operator");
    }

    @Test
    void aChallengeIsThirtyTwoRandomBytesForFiveMinutesInTheSeedShape() {
        AgentKeys keys = AgentKeys.generate();
        Map<String, Object> answer = tenant.as(operator).body(Map.of("publicKey", keys.publicKey()))
                .post("/v1/agents/register/challenge").then().statusCode(200).extract().as(Map.class);

        assertEquals(Set.of("challenge", "expiresAt"), answer.keySet());
        assertEquals(32, Base64.getUrlDecoder().decode((String) answer.get("challenge")).length);
        Duration validFor = Duration.between(Instant.now(), Instant.parse((String) answer.get("expiresAt")));
        assertTrue(validFor.compareTo(Duration.ofMinutes(4)) > 0 && validFor.compareTo(Duration.ofMinutes(5)) <= 0, validFor.toString());
    }

    @Test
    void anAgentThatSignsItsChallengeIsRegisteredAndListedForApproval() {
        AgentKeys keys = AgentKeys.generate();
        assertTrue(keys.publicKey().startsWith("z6Mk"), keys.publicKey());

        Map<String, Object> answer = tenant.as(operator)
                .body(keys.registration(tenant, operator, "my-new-agent", List.of("api_call", "file_access")))
                .post("/v1/agents/register").then().statusCode(201).extract().as(Map.class);

        // The seed's two fields, and beyond the seed the status (approved when a rule decided at once).
        assertEquals(Map.of("agentId", keys.did(), "message", "Agent registered. Awaiting admin approval.", "status", "pending"), answer);
        Map<String, Object> list = tenant.admin().get("/v1/registrations").then().statusCode(200).extract().as(Map.class);
        assertEquals(Set.of("registrations", "availableCapabilities"), list.keySet());
        assertEquals(SEED_CAPABILITIES, list.get("availableCapabilities"));
        Map<String, Object> registration = ((List<Map<String, Object>>) list.get("registrations")).getFirst();
        // The seed's five fields, and beyond the seed when it expires, the agent type asked for and the risk score.
        assertEquals(Set.of("id", "name", "publicKey", "requestedCapabilities", "requestedAt", "expiresAt", "agentType",
                "riskScore"), registration.keySet());
        assertEquals(25, registration.get("riskScore"));
        assertEquals(Instant.parse((String) registration.get("requestedAt")).plus(Duration.ofDays(7)),
                Instant.parse((String) registration.get("expiresAt")));
        assertEquals("my-new-agent", registration.get("name"));
        assertEquals(keys.publicKey(), registration.get("publicKey"));
        assertEquals(List.of("api_call", "file_access"), registration.get("requestedCapabilities"));
        Instant.parse((String) registration.get("requestedAt"));

        JsonNode event = Events.about(Topics.AGENTS, (String) registration.get("id"), 1).getFirst();
        assertEquals(EventTypes.REGISTRATION_REQUESTED, event.path("type").asText());
        assertEquals(keys.did(), event.at("/data/registration/did").asText());
        assertEquals("pending", event.at("/data/registration/status").asText());
    }

    @Test
    void thePendingListPagesByCursorAndFiltersByUpdatedSince() {
        String first = AgentKeys.generate().register(tenant, "first", List.of("api_call"));
        String second = AgentKeys.generate().register(tenant, "second", List.of("api_call"));
        Instant between = Instant.parse(tenant.admin().get("/v1/registrations").then().extract()
                .<String>path("registrations[1].requestedAt"));
        String third = AgentKeys.generate().register(tenant, "third", List.of("api_call"));

        String next = tenant.admin().get("/v1/registrations?limit=2").then().statusCode(200)
                .body("registrations.id", contains(first, second)).body("nextCursor", notNullValue())
                .extract().path("nextCursor");
        Map<String, Object> last = tenant.admin().get("/v1/registrations?limit=2&cursor=" + next).then().statusCode(200)
                .body("registrations.id", contains(third)).extract().as(Map.class);
        assertEquals(Set.of("registrations", "availableCapabilities"), last.keySet(), "the last page offers no cursor");
        tenant.admin().get("/v1/registrations?updated_since=" + between).then().statusCode(200)
                .body("registrations.id", contains(second, third));
        for (String bad : List.of("limit=0", "limit=1001", "cursor=nope", "updated_since=yesterday")) {
            refused(tenant.admin().get("/v1/registrations?" + bad).then(), 400, bad.substring(0, bad.indexOf('=')));
        }
    }

    @Test
    void approvalGrantsASubsetAndCreatesTheInactiveAgentWithItsIdentity() {
        AgentKeys keys = AgentKeys.generate();
        String id = keys.register(tenant, "analyst", List.of("api_call", "file_access"));

        tenant.admin().body(Map.of("capabilities", List.of("api_call"))).post("/v1/registrations/" + id + "/approve")
                .then().statusCode(200).body("success", equalTo(true)).body("agentId", equalTo(keys.did()));

        tenant.admin().get("/v1/registrations").then().body("registrations", empty());
        List<Map<String, Object>> agents = tenant.admin().get("/v1/agents").then().statusCode(200).extract().path("agents");
        Map<String, Object> agent = agents.stream().filter(a -> keys.did().equals(a.get("did"))).findFirst().orElseThrow();
        assertEquals("inactive", agent.get("status"));
        assertEquals("analyst", agent.get("name"));
        assertEquals(keys.publicKey(), agent.get("public_key"));
        assertEquals(List.of("api_call"), agent.get("granted_capabilities"));
        assertTrue(agent.get("approved_at") != null && agent.get("approved_by") != null, agent.toString());

        List<JsonNode> events = Events.about(Topics.AGENTS, id, 2);
        assertEquals(List.of(EventTypes.REGISTRATION_REQUESTED, EventTypes.REGISTRATION_APPROVED), Events.types(events));
        JsonNode approved = events.get(1).path("data");
        assertEquals("[\"api_call\",\"file_access\"]", approved.at("/registration/requested_capabilities").toString());
        assertEquals("[\"api_call\"]", approved.path("granted_capabilities").toString());
        assertEquals(agent.get("id"), approved.path("agent_id").asText());
        assertEquals(agent.get("approved_by"), approved.path("decided_by").asText());
        JsonNode created = Events.about(Topics.AGENTS, (String) agent.get("id"), 1).getFirst();
        assertEquals(EventTypes.AGENT_CREATED, created.path("type").asText());
        assertEquals(keys.did(), created.at("/data/agent/did").asText());
        assertEquals("[\"api_call\"]", created.at("/data/agent/granted_capabilities").toString());

        // The empty subset: the identity approved, no capability granted yet
        AgentKeys bare = AgentKeys.generate();
        String none = bare.register(tenant, "identity-only", List.of("api_call"));
        tenant.admin().body(Map.of("capabilities", List.of())).post("/v1/registrations/" + none + "/approve")
                .then().statusCode(200).body("agentId", equalTo(bare.did()));
        List<Map<String, Object>> after = tenant.admin().get("/v1/agents").then().statusCode(200).extract().path("agents");
        assertEquals(List.of(), after.stream().filter(a -> bare.did().equals(a.get("did"))).findFirst().orElseThrow()
                .get("granted_capabilities"));
    }

    @Test
    void aGrantBeyondTheRequestOrTheAllowListIsRefused() {
        String id = AgentKeys.generate().register(tenant, "narrow", List.of("api_call"));

        refused(tenant.admin().body(Map.of("capabilities", List.of("api_call", "mail_send")))
                .post("/v1/registrations/" + id + "/approve").then(), 400, "capabilities");
        refused(tenant.admin().body(Map.of("capabilities", List.of("teleport")))
                .post("/v1/registrations/" + id + "/approve").then(), 400, "capabilities");
        refused(tenant.admin().body(Map.of()).post("/v1/registrations/" + id + "/approve").then(), 400, "capabilities");

        tenant.admin().get("/v1/registrations").then().body("registrations.id", contains(id));
    }

    /**
     * Seed 004's availableCapabilities is the organization's allow-list: by default the seed's eight, narrowed by its
     * admin; nothing outside it is granted, by hand or by a rule, and the change is an event of its own.
     */
    @Test
    void anOrganizationsAdminNarrowsItsAllowListAndNothingOutsideItIsGranted() {
        tenant.admin().get("/v1/registrations/settings").then().statusCode(200)
                .body("availableCapabilities", equalTo(SEED_CAPABILITIES));
        tenant.admin().body(Map.of("availableCapabilities", List.of("file_access", "api_call"))).put("/v1/registrations/settings")
                .then().statusCode(200).body("availableCapabilities", contains("file_access", "api_call"))
                .body("openRegistration", equalTo(false));
        JsonNode changed = Events.about(Topics.AGENTS, tenant.orgId().toString(), 1).getFirst();
        assertEquals(EventTypes.REGISTRATION_CAPABILITIES_CHANGED, changed.path("type").asText());
        assertEquals("[\"file_access\",\"api_call\"]", changed.at("/data/available_capabilities").toString());
        tenant.admin().get("/v1/registrations").then().body("availableCapabilities", contains("file_access", "api_call"));
        // The same list again changes nothing: the next event about the organization is the marker after it
        tenant.admin().body(Map.of("availableCapabilities", List.of("file_access", "api_call"))).put("/v1/registrations/settings")
                .then().statusCode(200);
        tenant.admin().body(Map.of("openRegistration", true)).put("/v1/registrations/settings").then().statusCode(200);
        assertEquals(EventTypes.OPEN_REGISTRATION_CHANGED,
                Events.about(Topics.AGENTS, tenant.orgId().toString(), 2).get(1).path("type").asText());
        tenant.admin().body(Map.of("openRegistration", false)).put("/v1/registrations/settings").then().statusCode(200);

        String id = AgentKeys.generate().register(tenant, "wide", List.of("api_call", "mail_send"));
        refused(tenant.admin().body(Map.of("capabilities", List.of("api_call", "mail_send")))
                .post("/v1/registrations/" + id + "/approve").then(), 400, "capabilities");
        tenant.admin().body(Map.of("capabilities", List.of("api_call"))).post("/v1/registrations/" + id + "/approve")
                .then().statusCode(200).body("success", equalTo(true));
        // A rule approves only within the allow-list: a request beyond it waits for a person
        tenant.admin().body(Map.of("name", "anything", "capabilities", List.of("api_call", "mail_send")))
                .post("/v1/registrations/rules").then().statusCode(201);
        AgentKeys beyond = AgentKeys.generate();
        tenant.admin().body(beyond.registration(tenant, tenant.adminKey(), "beyond", List.of("api_call", "mail_send")))
                .post("/v1/agents/register").then().statusCode(201).body("status", equalTo("pending"));
        AgentKeys within = AgentKeys.generate();
        tenant.admin().body(within.registration(tenant, tenant.adminKey(), "within", List.of("api_call")))
                .post("/v1/agents/register").then().statusCode(201).body("status", equalTo("approved"));
        tenant.admin().get("/v1/agents?limit=100").then().body("agents.find { it.name == 'within' }.granted_capabilities",
                contains("api_call"));

        // Unknown names, repeats and an empty request are refused by name; every known one is every one again
        refused(tenant.admin().body(Map.of("availableCapabilities", List.of("teleport"))).put("/v1/registrations/settings")
                .then(), 400, "availableCapabilities");
        refused(tenant.admin().body(Map.of("availableCapabilities", List.of("api_call", "api_call")))
                .put("/v1/registrations/settings").then(), 400, "availableCapabilities");
        refused(tenant.admin().body(Map.of()).put("/v1/registrations/settings").then(), 400, "openRegistration");
        tenant.admin().body(Map.of("availableCapabilities", SEED_CAPABILITIES)).put("/v1/registrations/settings").then()
                .statusCode(200).body("availableCapabilities", equalTo(SEED_CAPABILITIES));
        tenant.admin().get("/v1/registrations/settings").then().body("availableCapabilities", equalTo(SEED_CAPABILITIES));
    }

    @Test
    void anApprovalRacingANarrowingOfTheAllowListGrantsNothingItRemoved() throws Exception {
        String id = AgentKeys.generate().register(tenant, "racing", List.of("api_call", "mail_send"));
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection narrowing = DriverManager.getConnection(pg.jdbcUrl("warden_agent_test"), pg.superUser(),
                pg.superPassword())) {
            // The admin's narrowing, written and not yet committed when the approval reads the allow-list
            narrowing.setAutoCommit(false);
            try (var narrow = narrowing.prepareStatement(
                    "UPDATE organizations SET available_capabilities = '{api_call}' WHERE id = ?")) {
                narrow.setObject(1, tenant.orgId());
                assertEquals(1, narrow.executeUpdate());
            }
            CompletableFuture<Response> approval = CompletableFuture.supplyAsync(() -> tenant.admin()
                    .body(Map.of("capabilities", List.of("api_call", "mail_send")))
                    .post("/v1/registrations/" + id + "/approve"));
            // The approval waits for the narrowing's lock (the marker), rather than answering from the list before it
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .failFast("the approval answered while the narrowing was under way", approval::isDone)
                    .until(() -> pg.waitsForALock("warden_agent_test", "FROM organizations"));
            narrowing.commit();
            refused(approval.get(30, TimeUnit.SECONDS).then(), 400, "capabilities");
        }
        tenant.admin().body(Map.of("capabilities", List.of("api_call"))).post("/v1/registrations/" + id + "/approve")
                .then().statusCode(200);
    }

    @Test
    void rejectionNeedsAReasonAndEveryRegistrationIsDecidedOnce() {
        String id = AgentKeys.generate().register(tenant, "doubtful", List.of("system_command"));

        refused(tenant.admin().body(Map.of()).post("/v1/registrations/" + id + "/reject").then(), 400, "reason");
        refused(tenant.admin().body(Map.of("reason", "  ")).post("/v1/registrations/" + id + "/reject").then(), 400, "reason");
        tenant.admin().body(Map.of("reason", "This agent requires additional security review."))
                .post("/v1/registrations/" + id + "/reject").then().statusCode(200).body("success", equalTo(true))
                .body("size()", equalTo(1));

        refused(tenant.admin().body(Map.of("reason", "again")).post("/v1/registrations/" + id + "/reject").then(), 409, null);
        refused(tenant.admin().body(Map.of("capabilities", List.of())).post("/v1/registrations/" + id + "/approve").then(), 409, null);
        JsonNode rejected = Events.about(Topics.AGENTS, id, 2).get(1);
        assertEquals(EventTypes.REGISTRATION_REJECTED, rejected.path("type").asText());
        assertEquals("This agent requires additional security review.", rejected.at("/data/reason").asText());
        assertEquals("rejected", rejected.at("/data/registration/status").asText());

        String approved = AgentKeys.generate().register(tenant, "fine", List.of("api_call"));
        tenant.admin().body(Map.of("capabilities", List.of("api_call"))).post("/v1/registrations/" + approved + "/approve")
                .then().statusCode(200);
        refused(tenant.admin().body(Map.of("capabilities", List.of("api_call")))
                .post("/v1/registrations/" + approved + "/approve").then(), 409, null);
        refused(tenant.admin().body(Map.of("reason", "late")).post("/v1/registrations/" + approved + "/reject").then(), 409, null);
    }

    @Test
    void forgedReusedForeignAndExpiredProofsAreRefused() {
        AgentKeys keys = AgentKeys.generate();
        AgentKeys other = AgentKeys.generate();

        Map<String, Object> forged = new HashMap<>(keys.registration(tenant, operator, "forged", List.of("api_call")));
        forged.put("signature", other.sign((String) forged.get("challenge")));
        refused(tenant.as(operator).body(forged).post("/v1/agents/register").then(), 401, null);
        forged.put("signature", keys.sign("something else"));
        refused(tenant.as(operator).body(forged).post("/v1/agents/register").then(), 401, null);
        forged.put("signature", "not base64url!");
        refused(tenant.as(operator).body(forged).post("/v1/agents/register").then(), 401, null);

        Map<String, Object> foreign = new HashMap<>(keys.registration(tenant, operator, "foreign", List.of("api_call")));
        String otherChallenge = other.challenge(tenant, operator);
        foreign.put("challenge", otherChallenge);
        foreign.put("signature", keys.sign(otherChallenge));
        refused(tenant.as(operator).body(foreign).post("/v1/agents/register").then(), 401, null);

        Map<String, Object> valid = keys.registration(tenant, operator, "once", List.of("api_call"));
        tenant.as(operator).body(valid).post("/v1/agents/register").then().statusCode(201);
        refused(tenant.as(operator).body(valid).post("/v1/agents/register").then(), 401, null);

        String expired = "expired-" + other.publicKey();
        db.inOrg(tenant.orgId(), conn -> repository.insertChallenge(conn, tenant.orgId(), expired, other.publicKey(),
                Instant.now().minusSeconds(1))).await().atMost(Duration.ofSeconds(10));
        Map<String, Object> late = new HashMap<>(other.registration(tenant, operator, "late", List.of("api_call")));
        late.put("challenge", expired);
        late.put("signature", other.sign(expired));
        refused(tenant.as(operator).body(late).post("/v1/agents/register").then(), 401, null);

        tenant.admin().get("/v1/registrations").then().body("registrations.name", contains("once"));
    }

    @Test
    void malformedKeysUnknownCapabilitiesAndMissingFieldsAreRefusedByName() {
        AgentKeys keys = AgentKeys.generate();
        for (String bad : List.of("z6Mkabc", "6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "z0OIl",
                "zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", "did:key:" + keys.publicKey(),
                // the identity point, a small-order key: its proof needs no private key (a security trial's registered)
                "z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj")) {
            refused(tenant.as(operator).body(Map.of("publicKey", bad)).post("/v1/agents/register/challenge").then(), 400, "publicKey");
            Map<String, Object> body = new HashMap<>(keys.registration(tenant, operator, "bad-key", List.of("api_call")));
            body.put("publicKey", bad);
            refused(tenant.as(operator).body(body).post("/v1/agents/register").then(), 400, "publicKey");
        }
        Map<String, Object> unknown = keys.registration(tenant, operator, "greedy", List.of("api_call", "teleport"));
        refused(tenant.as(operator).body(unknown).post("/v1/agents/register").then(), 400, "capabilities");
        for (String field : List.of("name", "version", "capabilities", "publicKey", "challenge", "signature")) {
            Map<String, Object> missing = new HashMap<>(keys.registration(tenant, operator, "partial", List.of("api_call")));
            missing.remove(field);
            refused(tenant.as(operator).body(missing).post("/v1/agents/register").then(), 400, field);
        }
        refused(tenant.as(operator).body(Map.of()).post("/v1/agents/register/challenge").then(), 400, "publicKey");
        tenant.admin().get("/v1/registrations").then().body("registrations", empty());
    }

    @Test
    void aKeyPendingOrRegisteredInTheOrganizationIsAConflict() {
        AgentKeys keys = AgentKeys.generate();
        String id = keys.register(tenant, "first", List.of("api_call"));

        refused(tenant.as(operator).body(keys.registration(tenant, operator, "again", List.of("api_call")))
                .post("/v1/agents/register").then(), 409, null);
        tenant.admin().body(Map.of("capabilities", List.of("api_call"))).post("/v1/registrations/" + id + "/approve")
                .then().statusCode(200);
        refused(tenant.as(operator).body(keys.registration(tenant, operator, "again", List.of("api_call")))
                .post("/v1/agents/register").then(), 409, null);

        Tenant elsewhere = Tenants.create();
        elsewhere.admin().body(keys.registration(elsewhere, elsewhere.adminKey(), "elsewhere", List.of("api_call")))
                .post("/v1/agents/register").then().statusCode(201);
    }

    @Test
    void concurrentCreatesAndRegistrationsOfOneKeyLeaveExactlyOneHolderAndTheRestConflicts() throws Exception {
        for (int round = 0; round < 3; round++) {
            AgentKeys keys = AgentKeys.generate();
            // Proofs made first, so that the requests themselves meet at the database
            List<Map<String, Object>> proofs = List.of(keys.registration(tenant, operator, "reg-a", List.of("api_call")),
                    keys.registration(tenant, operator, "reg-b", List.of("api_call")));
            List<java.util.concurrent.Callable<Integer>> calls = new java.util.ArrayList<>();
            for (Map<String, Object> proof : proofs) {
                calls.add(() -> tenant.as(operator).body(proof).post("/v1/agents/register").then().extract().statusCode());
            }
            for (int i = 0; i < 4; i++) {
                Map<String, Object> create = Map.of("name", "created-" + i, "runtime", "docker", "public_key", keys.publicKey());
                calls.add(() -> tenant.admin().body(create).post("/v1/agents").then().extract().statusCode());
            }
            var pool = java.util.concurrent.Executors.newFixedThreadPool(calls.size());
            try {
                List<Integer> statuses = new java.util.ArrayList<>();
                for (var done : pool.invokeAll(calls)) {
                    statuses.add(done.get());
                }
                assertEquals(1, statuses.stream().filter(s -> s == 201).count(), statuses.toString());
                assertEquals(calls.size() - 1, statuses.stream().filter(s -> s == 409).count(), statuses.toString());
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void anotherOrganizationsRegistrationIsNotFoundAndNotListed() {
        String id = AgentKeys.generate().register(tenant, "mine", List.of("api_call"));
        Tenant other = Tenants.create();

        refused(other.admin().body(Map.of("capabilities", List.of("api_call"))).post("/v1/registrations/" + id + "/approve").then(), 404, null);
        refused(other.admin().body(Map.of("reason", "not yours")).post("/v1/registrations/" + id + "/reject").then(), 404, null);
        other.admin().get("/v1/registrations").then().statusCode(200).body("registrations.id", not(hasItem(id)));
        refused(tenant.admin().body(Map.of("reason", "x")).post("/v1/registrations/" + java.util.UUID.randomUUID() + "/reject").then(), 404, null);
        refused(tenant.admin().body(Map.of("reason", "x")).post("/v1/registrations/reg_01HZ/reject").then(), 400, "registration_id");
        tenant.admin().get("/v1/registrations").then().body("registrations.id", contains(id));
    }

    @Test
    void operatorsRegisterViewersCannotAndOnlyAdminsDecide() {
        AgentKeys keys = AgentKeys.generate();
        String viewer = tenant.key("viewer");
        refused(tenant.as(viewer).body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge").then(), 403, null);
        refused(tenant.as(viewer).body(keys.registration(tenant, operator, "viewer", List.of("api_call")))
                .post("/v1/agents/register").then(), 403, null);
        refused(tenant.as(operator).get("/v1/registrations").then(), 403, null);
        refused(given().body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge").then(), 401, null);

        String bearer = tenant.token("operator");
        given().header("Authorization", "Bearer " + bearer).body(keys.registration(tenant, operator, "by-token", List.of("api_call")))
                .post("/v1/agents/register").then().statusCode(201);
    }

    @Test
    void theRegisterPathIsNotMistakenForAnAgentId() {
        var answer = tenant.admin().get("/v1/agents/register").then().extract();
        assertTrue(answer.statusCode() == 405 || answer.statusCode() == 404, "status " + answer.statusCode());
        assertTrue(answer.body().path("error.code") != null, answer.body().asString());
        tenant.admin().get("/v1/agents/" + java.util.UUID.randomUUID()).then().statusCode(404);
    }

    private static io.restassured.specification.RequestSpecification given() {
        return io.restassured.RestAssured.given().contentType(io.restassured.http.ContentType.JSON);
    }

    private static void refused(ValidatableResponse response, int status, String field) {
        response.statusCode(status).body("error.code", notNullValue()).body("error.message", notNullValue());
        if (field != null) {
            response.body("error.details.field", hasItem(field));
        }
    }
}
