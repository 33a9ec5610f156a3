package dev.warden.fleet.instance;

import dev.warden.api.PageRequest;
import dev.warden.fleet.support.FleetFixtures;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import org.awaitility.Awaitility;
import dev.warden.tenancy.db.TenantDb;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.fleet.support.FleetFixtures.as;
import static dev.warden.fleet.support.FleetFixtures.instanceBody;
import static dev.warden.fleet.support.FleetFixtures.register;
import static dev.warden.fleet.support.FleetFixtures.registerId;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seed 003, field by field, under /v1/fleet/agents, with its envelope on every answer, errors included. */
@QuarkusTest
class InstanceTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    TenantDb db;

    @Inject
    InstanceRepository instances;

    TestOrg org;

    @BeforeEach
    void organization() {
        org = FleetFixtures.organization();
    }

    @Test
    void theRegisterPathTakesPostOnlyAndIsNoInstancesId() {
        // Routed to /v1/fleet/agents/{id}, a GET or DELETE of it was "Agent not found" for a path that exists
        for (var answer : java.util.List.of(as(org, "admin").get("/v1/fleet/agents/register").then(),
                as(org, "admin").delete("/v1/fleet/agents/register").then())) {
            answer.statusCode(405).header("Allow", "OPTIONS, POST").body("ok", equalTo(false))
                    .body("error.code", equalTo("method_not_allowed"));
        }
        as(org, "admin").options("/v1/fleet/agents/register").then().statusCode(200).header("Allow", "OPTIONS, POST");
        as(org, "admin").get("/v1/fleet/agents/agent-0123456789abcdef").then().statusCode(404);
    }

    @Test
    void registerAnswersTheSeedsFieldsOnlineWithTheIpFromTheRequestAndACredentialShownOnce() {
        Instant before = Instant.now().minusSeconds(1);
        var data = register(org, instanceBody("web-server-1", "production", "web-tier"))
                .body("ok", equalTo(true))
                .body("data.id", matchesPattern("^agent-[0-9a-f]{16}$"))
                .body("data.hostname", equalTo("web-server-1"))
                .body("data.os", equalTo("linux"))
                .body("data.version", equalTo("1.2.0"))
                .body("data.ip", equalTo("127.0.0.1"))
                .body("data.tags", contains("production", "web-tier"))
                .body("data.status", equalTo("online"))
                .body("data.credential", startsWith("wfi_"))
                .extract().jsonPath();
        assertFalse(Instant.parse(data.getString("data.registeredAt")).isBefore(before));

        Map<String, Object> withIp = new HashMap<>(instanceBody("db-server-1", "database"));
        withIp.put("ip", "203.0.113.11");
        withIp.put("org_id", org.id().toString());
        register(org, withIp).body("data.ip", equalTo("203.0.113.11"));
        // Through the gateway, the caller's address arrives in X-Forwarded-For (which the gateway sets).
        as(org, "operator").header("X-Forwarded-For", "198.51.100.7").body(instanceBody("behind-gateway"))
                .post("/v1/fleet/agents/register").then().statusCode(201).body("data.ip", equalTo("198.51.100.7"));
        // Through a gateway that appends (Envoy's default), the caller's own value stays on the left: the address is
        // the right-most one that is not a trusted proxy.
        as(org, "operator").header("X-Forwarded-For", "192.0.2.66, 198.51.100.8").body(instanceBody("appended"))
                .post("/v1/fleet/agents/register").then().statusCode(201).body("data.ip", equalTo("198.51.100.8"));
    }

    /**
     * Seed 003's client sends one token, as {@code Authorization: Bearer}, on every call: an operator's API key there
     * registers, heartbeats, lists, reads and deregisters, unchanged.
     */
    @Test
    void aSeedClientWithOneOperatorKeyAsItsBearerTokenDoesEverything() {
        java.util.function.Supplier<io.restassured.specification.RequestSpecification> bearer = () -> io.restassured.RestAssured
                .given().header("Authorization", "Bearer " + org.key("operator")).contentType("application/json");
        String id = bearer.get().body(instanceBody("seed-client", "production")).post("/v1/fleet/agents/register").then()
                .statusCode(201).body("ok", equalTo(true)).extract().path("data.id");
        bearer.get().body(Map.of("uptime", 86400, "cpu", 12.5, "memory", 45.2, "version", "1.2.0"))
                .post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(200)
                .body("data.id", equalTo(id)).body("data.status", equalTo("online"));
        bearer.get().get("/v1/fleet/agents?tag=production").then().statusCode(200).body("data.id", hasItem(id));
        bearer.get().get("/v1/fleet/agents/" + id).then().statusCode(200).body("data.cpu", equalTo(12.5f));
        bearer.get().delete("/v1/fleet/agents/" + id).then().statusCode(200)
                .body("data.message", equalTo("Agent " + id + " deregistered successfully"));
    }

    @Test
    void registerRefusesAMissingOrMistypedRequiredFieldNamingItInTheEnvelope() {
        for (String field : List.of("hostname", "os", "version")) {
            Map<String, Object> missing = new HashMap<>(instanceBody("h"));
            missing.remove(field);
            as(org, "operator").body(missing).post("/v1/fleet/agents/register").then().statusCode(400)
                    .body("ok", equalTo(false))
                    .body("error.code", equalTo("invalid_request"))
                    .body("error.details.field", hasItem(field));
            Map<String, Object> mistyped = new HashMap<>(instanceBody("h"));
            mistyped.put(field, 5);
            as(org, "operator").body(mistyped).post("/v1/fleet/agents/register").then().statusCode(400)
                    .body("ok", equalTo(false)).body("error.details.field", hasItem(field));
        }
        // What an instance says of itself reaches lists and the audit trail: one line each (a user trial's hostname
        // "h\nInjected: 1" was a 201 and a two-line hostname in the audit entry's metadata)
        for (String field : List.of("hostname", "os", "version")) {
            for (String odd : List.of("h\nInjected: 1", "linux\u2028x", "1\u001b[2J", "a\u0085b", "zero\u200Bwidth")) {
                Map<String, Object> twoLines = new HashMap<>(instanceBody("h"));
                twoLines.put(field, odd);
                as(org, "operator").body(twoLines).post("/v1/fleet/agents/register").then().statusCode(400)
                        .body("error.details.field", hasItem(field));
            }
        }
        as(org, "operator").body(instanceBody("h", "ok", "a\u0085b")).post("/v1/fleet/agents/register").then()
                .statusCode(400).body("error.details.field", hasItem("tags[1]"));
        Map<String, Object> otherOrg = new HashMap<>(instanceBody("h"));
        otherOrg.put("org_id", UUID.randomUUID().toString());
        as(org, "operator").body(otherOrg).post("/v1/fleet/agents/register").then().statusCode(400)
                .body("error.details.field", hasItem("org_id"));
        for (String field : List.of("org_id", "agent_id")) { // empty: malformed, not absent
            Map<String, Object> empty = new HashMap<>(instanceBody("h"));
            empty.put(field, "");
            as(org, "operator").body(empty).post("/v1/fleet/agents/register").then().statusCode(400)
                    .body("ok", equalTo(false)).body("error.details.field", hasItem(field));
        }
        for (String ip : List.of("999.1.1.1", "1.2.3", "1.2.3.4:80", "01.02.03.04", "fe80::1%eth0", "not-an-ip")) {
            Map<String, Object> badIp = new HashMap<>(instanceBody("h"));
            badIp.put("ip", ip);
            as(org, "operator").body(badIp).post("/v1/fleet/agents/register").then().statusCode(400)
                    .body("ok", equalTo(false)).body("error.details.field", hasItem("ip"));
        }
        as(org, "viewer").get("/v1/fleet/agents?q=h").then().body("total", equalTo(0)); // none of them was registered
        Map<String, Object> unknownAgent = new HashMap<>(instanceBody("h"));
        unknownAgent.put("agent_id", UUID.randomUUID().toString());
        as(org, "operator").body(unknownAgent).post("/v1/fleet/agents/register").then().statusCode(404)
                .body("ok", equalTo(false)).body("error.code", equalTo("not_found"));
        as(org, "operator").body(Map.of("hostname", "h", "os", "linux", "version", "1", "tags", List.of("a", "")))
                .post("/v1/fleet/agents/register").then().statusCode(400).body("error.details.field", hasItem("tags"));
        as(org, "viewer").body(instanceBody("h")).post("/v1/fleet/agents/register").then().statusCode(403)
                .body("ok", equalTo(false)).body("error.message", equalTo("Your role does not allow this operation"));
        String noOrganization = io.smallrye.jwt.build.Jwt.preferredUserName("ops-" + UUID.randomUUID())
                .issuer("https://server.example.com").claim("org_id", "not-a-uuid")
                .claim("realm_access", Map.of("roles", List.of("operator"))).expiresIn(Duration.ofMinutes(5)).sign();
        FleetFixtures.bearer(noOrganization).body(instanceBody("h"))
                .post("/v1/fleet/agents/register").then().statusCode(403).body("ok", equalTo(false))
                .body("error.message", startsWith("The token names no organization"));
        FleetFixtures.bearer("wfi_nonsense").body(instanceBody("h")).post("/v1/fleet/agents/register").then()
                .statusCode(401).body("ok", equalTo(false)).body("error.code", equalTo("unauthorized"));
    }

    @Test
    void heartbeatAnswersIdStatusLastHeartbeatAndPendingPoliciesAndGetShowsTheFigures() throws Exception {
        String id = registerId(org, "web-1");
        as(org, "operator").body(Map.of("uptime", 86400, "cpu", 12.5, "memory", 45.2, "version", "1.2.1"))
                .post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(200)
                .body("ok", equalTo(true))
                .body("data.id", equalTo(id))
                .body("data.status", equalTo("online"))
                .body("data.lastHeartbeat", notNullValue())
                .body("data.pendingPolicies", equalTo(0))
                .body("data.heartbeatIntervalSeconds", equalTo(60));
        // Seed 003's body is optional: none at all is a heartbeat; one that is there and no object is a 400
        as(org, "operator").post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(200);
        as(org, "operator").body("null").post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(400)
                .body("ok", equalTo(false)).body("error.details[0].field", equalTo("body"));
        // Every field of a heartbeat is optional in seed 003, so is its body: a POST with none, nor a Content-Type
        var bodiless = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port
                                + "/v1/fleet/agents/" + id + "/heartbeat"))
                        .header("X-API-Key", org.key("operator")).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, bodiless.statusCode(), bodiless.body());
        assertTrue(bodiless.body().contains("\"status\":\"online\""), bodiless.body());
        as(org, "viewer").get("/v1/fleet/agents/" + id).then().statusCode(200)
                .body("ok", equalTo(true))
                .body("data.id", equalTo(id))
                .body("data.hostname", equalTo("web-1"))
                .body("data.version", equalTo("1.2.1"))
                .body("data.status", equalTo("online"))
                .body("data.cpu", equalTo(12.5f))
                .body("data.memory", equalTo(45.2f))
                .body("data.uptime", equalTo(86400)) // an integer, as seed 003 answers it
                .body("data.lastHeartbeat", notNullValue())
                .body("data.registeredAt", notNullValue())
                .body("data.recentThreats", equalTo(0))
                .body("data.activePolicyVersion", nullValue());
    }

    @Test
    void anApiKeyOfTheInstanceRoleMayNotSpeakForAnyInstancesLiveness() {
        TestOrg withInstanceKey = TestOrganizations.create(FleetFixtures.bootstrap(), "operator", "viewer", "instance");
        String theirs = registerId(FleetFixtures.organization(), "elsewhere");
        // The key is usable once agent-service's access events reached fleet-service: a 403 then, never a 401.
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(withInstanceKey, "instance").body(Map.of("cpu", 99.9)).post("/v1/fleet/agents/" + theirs + "/heartbeat")
                        .statusCode() != 401);
        as(withInstanceKey, "instance").body(Map.of("cpu", 99.9, "version", "forged"))
                .post("/v1/fleet/agents/" + theirs + "/heartbeat").then().statusCode(403).body("ok", equalTo(false));
        // Within its own organization too: an instance's liveness comes from its own credential or an operator.
        String own = registerId(withInstanceKey, "own-host");
        as(withInstanceKey, "instance").body(Map.of("cpu", 99.9, "version", "forged"))
                .post("/v1/fleet/agents/" + own + "/heartbeat").then().statusCode(403).body("ok", equalTo(false));
        as(withInstanceKey, "viewer").get("/v1/fleet/agents/" + own).then().statusCode(200)
                .body("data.version", not(equalTo("forged")));
        // An operator still may.
        as(withInstanceKey, "operator").body(Map.of("cpu", 10.0)).post("/v1/fleet/agents/" + own + "/heartbeat")
                .then().statusCode(200);
    }

    @Test
    void heartbeatRefusesFiguresOutOfRangeNamingTheField() {
        String id = registerId(org, "web-2");
        Map<String, Object> bad = Map.of("uptime", -1, "cpu", 100.5, "memory", -0.1, "active_policy_version", "two");
        var details = as(org, "operator").body(bad).post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(400)
                .body("ok", equalTo(false)).extract().jsonPath().getList("error.details.field");
        assertTrue(details.containsAll(List.of("uptime", "cpu", "memory", "active_policy_version")), details.toString());
        as(org, "operator").body(Map.of("cpu", "high")).post("/v1/fleet/agents/" + id + "/heartbeat").then()
                .statusCode(400).body("error.details.field", hasItem("cpu"));
        // A number past the bound says the bound (a user trial's v2147483647 was told only "v followed by a number")
        as(org, "operator").body(Map.of("active_policy_version", "v2147483647")).post("/v1/fleet/agents/" + id + "/heartbeat")
                .then().statusCode(400).body(containsString("999999999"));
        as(org, "operator").body(Map.of()).post("/v1/fleet/agents/agent-0000000000000000/heartbeat").then()
                .statusCode(404).body("ok", equalTo(false));
    }

    @Test
    void deregisteredInstancesAnswer404LeaveTheListButForUpdatedSinceAndTheirHeartbeatsAreRefused() {
        String id = registerId(org, "gone-1");
        // An answer that shows a secret once is kept by no cache (every answer is not)
        String credential = register(org, instanceBody("gone-2")).header("Cache-Control", "no-store")
                .extract().path("data.credential");
        // A body the operation does not read is refused in the seed's envelope, and nothing is deregistered
        as(org, "operator").body(Map.of("reason", "decommissioned")).delete("/v1/fleet/agents/" + id).then().statusCode(400)
                .body("ok", equalTo(false)).body("error.message", containsString("takes no body"));
        as(org, "viewer").get("/v1/fleet/agents/" + id).then().statusCode(200);
        as(org, "operator").delete("/v1/fleet/agents/" + id).then().statusCode(200)
                .body("ok", equalTo(true))
                .body("data.message", equalTo("Agent " + id + " deregistered successfully"));
        as(org, "viewer").get("/v1/fleet/agents/" + id).then().statusCode(404).body("ok", equalTo(false));
        as(org, "viewer").get("/v1/fleet/agents?limit=500").then().statusCode(200).body("data.id", not(hasItem(id)));
        // A client kept in step by updated_since learns of the departure, once it asks for changes since before it
        as(org, "viewer").get("/v1/fleet/agents?limit=500&updated_since=2020-01-01T00:00:00Z").then().statusCode(200)
                .body("data.find { it.id == '" + id + "' }.status", equalTo("deregistered"))
                .body("counts.online", equalTo(1));
        as(org, "viewer").get("/v1/fleet/agents?limit=500&updated_since=2020-01-01T00:00:00Z&status=online").then()
                .statusCode(200).body("data.id", not(hasItem(id)));
        as(org, "viewer").get("/v1/fleet/agents?updated_since=2999-01-01T00:00:00Z").then().statusCode(200)
                .body("data", empty());
        as(org, "operator").body(Map.of()).post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(404);
        as(org, "operator").delete("/v1/fleet/agents/" + id).then().statusCode(404);
        assertTrue(credential.startsWith("wfi_"));
    }

    @Test
    void listFiltersByStatusAndEveryTagAndRefusesAnUnknownStatus() {
        String both = registerId(org, "t-1", "production", "web-tier");
        String one = registerId(org, "t-2", "production");
        registerId(org, "t-3", "staging");
        as(org, "viewer").get("/v1/fleet/agents?tag=production&tag=web-tier").then().statusCode(200)
                .body("ok", equalTo(true)).body("data.id", contains(both));
        as(org, "viewer").get("/v1/fleet/agents?tag=production").then().statusCode(200)
                .body("data.id", containsInAnyOrder(both, one))
                .body("data[0].hostname", notNullValue())
                .body("data[0].lastHeartbeat", notNullValue())
                .body("data[0].registeredAt", notNullValue());
        as(org, "viewer").get("/v1/fleet/agents?status=online").then().statusCode(200)
                .body("data.status", not(hasItem("stale"))).body("counts.online", equalTo(3));
        as(org, "viewer").get("/v1/fleet/agents?status=stale").then().statusCode(200)
                .body("data.id", not(hasItem(both)));
        as(org, "viewer").get("/v1/fleet/agents?status=").then().statusCode(200).body("ok", equalTo(true));
        as(org, "viewer").get("/v1/fleet/agents?status=sleeping").then().statusCode(400)
                .body("ok", equalTo(false)).body("error.details.field", hasItem("status"));
        // One value read from a repeated parameter would be a guess at which one the caller meant
        as(org, "viewer").get("/v1/fleet/agents?status=online&status=offline").then().statusCode(400)
                .body("ok", equalTo(false)).body("error.details.field", hasItem("status"));
        // One the operation does not read is named too, in the envelope, for a stream as for a list
        as(org, "viewer").get("/v1/fleet/agents?stauts=online").then().statusCode(400)
                .body("ok", equalTo(false)).body("error.details.field", hasItem("stauts"));
        as(org, "viewer").accept("text/event-stream").get("/v1/fleet/events?since=1").then().statusCode(400)
                .body("ok", equalTo(false)).body("error.details.field", hasItem("since"));
        as(org, "viewer").get("/v1/fleet/agents?org_id=" + UUID.randomUUID()).then().statusCode(200)
                .body("data", empty());
        as(org, "viewer").get("/v1/fleet/agents?org_id=" + org.id()).then().statusCode(200)
                .body("total", equalTo(3));
        // Seed 003 types org_id as any string: not the caller's organization lists nothing; its id in upper case is it
        as(org, "viewer").get("/v1/fleet/agents?org_id=acme").then().statusCode(200).body("data", empty());
        as(org, "viewer").get("/v1/fleet/agents?org_id=" + org.id().toString().toUpperCase()).then().statusCode(200)
                .body("total", equalTo(3));
    }

    @Test
    void hostnamesSortAsPeopleReadThemWithoutRegardToCaseAndPageSo() {
        TestOrg own = FleetFixtures.organization();
        for (String hostname : List.of("db-1", "Web-2", "api-3", "DB-0", "web-1")) {
            registerId(own, hostname);
        }
        as(own, "viewer").get("/v1/fleet/agents?sortBy=hostname").then().statusCode(200)
                .body("data.hostname", contains("api-3", "DB-0", "db-1", "web-1", "Web-2"));
        as(own, "viewer").get("/v1/fleet/agents?sortBy=hostname&sortDir=desc").then().statusCode(200)
                .body("data.hostname", contains("Web-2", "web-1", "db-1", "DB-0", "api-3"));
        List<String> walked = new ArrayList<>();
        for (String dir : List.of("asc", "desc")) {
            String cursor = "";
            walked.clear();
            do {
                var page = as(own, "viewer").get("/v1/fleet/agents?sortBy=hostname&sortDir=" + dir + "&limit=2&cursor=" + cursor)
                        .then().statusCode(200).extract().jsonPath();
                walked.addAll(page.getList("data.hostname", String.class));
                cursor = page.getString("nextCursor");
            } while (cursor != null);
            assertEquals(dir.equals("asc") ? List.of("api-3", "DB-0", "db-1", "web-1", "Web-2")
                    : List.of("Web-2", "web-1", "db-1", "DB-0", "api-3"), walked, "pages of two, " + dir);
        }
    }

    @Test
    void listPagesSortsAndSearchesWithCountsPerStatus() {
        registerId(org, "zeta");
        registerId(org, "alpha");
        registerId(org, "mid-alpha");
        as(org, "viewer").get("/v1/fleet/agents?sortBy=hostname").then().statusCode(200)
                .body("data.hostname", contains("alpha", "mid-alpha", "zeta"));
        as(org, "viewer").get("/v1/fleet/agents?sortBy=hostname&sortDir=desc").then().statusCode(200)
                .body("data.hostname", contains("zeta", "mid-alpha", "alpha"));
        var first = as(org, "viewer").get("/v1/fleet/agents?sortBy=hostname&limit=2").then().statusCode(200)
                .body("data.hostname", contains("alpha", "mid-alpha")).body("total", equalTo(3))
                .body("totalExact", equalTo(true)).body("counts.online", equalTo(3)).body("counts.stale", equalTo(0))
                .extract().jsonPath().getString("nextCursor");
        as(org, "viewer").get("/v1/fleet/agents?sortBy=hostname&limit=2&cursor=" + first).then().statusCode(200)
                .body("data.hostname", contains("zeta")).body("nextCursor", nullValue());
        as(org, "viewer").get("/v1/fleet/agents?sortBy=registeredAt&limit=2&cursor=" + first).then().statusCode(400)
                .body("error.details.field", hasItem("cursor"));
        // A forged hostname position holding a NUL character: PostgreSQL could not compare with it, so a 400, not a 500
        String nul = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                "hostname\nasc\nagent-0000000000000000\n\u0000".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        as(org, "viewer").get("/v1/fleet/agents?sortBy=hostname&cursor=" + nul).then().statusCode(400)
                .body("ok", equalTo(false)).body("error.details.field", hasItem("cursor"));
        as(org, "viewer").get("/v1/fleet/agents?q=alpha&sortBy=lastHeartbeat").then().statusCode(200)
                .body("data.hostname", containsInAnyOrder("alpha", "mid-alpha"));
        as(org, "viewer").get("/v1/fleet/agents?updated_since=2999-01-01T00:00:00Z").then().statusCode(200)
                .body("data", empty()).body("total", equalTo(0)).body("counts.online", equalTo(3));
        as(org, "viewer").get("/v1/fleet/agents?updated_since=2020-01-01T00:00:00Z").then().statusCode(200)
                .body("total", equalTo(3));
        as(org, "viewer").get("/v1/fleet/agents?updated_since=yesterday").then().statusCode(400)
                .body("error.details.field", hasItem("updated_since"));
        as(org, "viewer").get("/v1/fleet/agents?sortBy=name").then().statusCode(400)
                .body("error.details.field", hasItem("sortBy"));
    }

    @Test
    void withoutLimitTheListIsEveryInstanceAsSeed003PromisesNotAFirstPage() {
        int many = PageRequest.DEFAULT_LIMIT + 3;
        for (int i = 0; i < many; i++) {
            registerId(org, "host-" + i);
        }
        as(org, "viewer").get("/v1/fleet/agents").then().statusCode(200).body("ok", equalTo(true))
                .body("data", hasSize(many)).body("total", equalTo(many)).body("nextCursor", nullValue());
        as(org, "viewer").get("/v1/fleet/agents?limit=100").then().statusCode(200).body("data", hasSize(100))
                .body("nextCursor", notNullValue());
        as(org, "viewer").get("/v1/fleet/agents?limit=0").then().statusCode(400).body("ok", equalTo(false))
                .body("error.details.field", hasItem("limit"));
    }

    /**
     * The whole list seed 003 promises ends before 8 MB of what registrations wrote (tags, hostname), with a cursor to
     * the rest: a user trial's 10,000 instances of 50 tags of 64 three-byte characters made one answer of 109 MB, and
     * four at once ran fleet-service out of memory.
     */
    @Test
    void theWholeListEndsBeforeEightMegabytesOfWhatRegistrationsWroteWithACursorToTheRest() {
        String[] tags = new String[InstanceResource.MAX_TAGS];
        for (int t = 0; t < tags.length; t++) {
            tags[t] = String.format("%02d", t) + "\u20ac".repeat(InstanceResource.MAX_TAG_LENGTH - 2); // 188 bytes each
        }
        List<String> ids = new ArrayList<>(List.of(registerId(org, "host-0000", tags)));
        // The rest as registration writes them (950 registrations through the API would be a minute of a test)
        int many = 950; // about 9.5 KB of tags each: 9 MB in all
        ids.addAll(db.asPlatform(conn -> conn.preparedQuery("""
                        INSERT INTO fleet_instances (id, org_id, hostname, os, version, ip, tags, status, last_heartbeat,
                            registered_at, status_changed_at, enrolled_by)
                        SELECT 'agent-' || lpad(to_hex(n), 16, '0'), $1, 'host-' || lpad(n::text, 4, '0'), 'linux', '1.2.0',
                            '10.0.0.1', $2, 'online', now(), now() + n * interval '1 second', now(), 'test'
                        FROM generate_series(1, $3) AS n RETURNING id""")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(org.id(), tags, many - 1))
                .map(rows -> {
                    List<String> added = new ArrayList<>();
                    rows.forEach(row -> added.add(row.getString(0)));
                    return added;
                })).await().indefinitely());
        var first = as(org, "viewer").get("/v1/fleet/agents").then().statusCode(200).body("total", equalTo(many))
                .extract();
        List<String> listed = new ArrayList<>(first.jsonPath().getList("data.id"));
        assertTrue(listed.size() > 700 && listed.size() < many, "the first answer ends before 8 MB: " + listed.size());
        assertTrue(first.asByteArray().length < 8.5 * 1024 * 1024, "answer of " + first.asByteArray().length + " bytes");
        listed.addAll(as(org, "viewer").queryParam("cursor", first.jsonPath().getString("nextCursor"))
                .get("/v1/fleet/agents").then().statusCode(200).body("nextCursor", nullValue())
                .extract().jsonPath().getList("data.id"));
        // Each once, none missing (the first was registered at the service's clock, which tests move)
        assertEquals(ids.stream().sorted().toList(), listed.stream().sorted().toList());
    }

    @Test
    void listSortedByLastHeartbeatPagesWithItsCursor() {
        String old = registerId(org, "old");
        String recent = registerId(org, "recent");
        registerId(org, "newest");
        as(org, "operator").body(Map.of()).post("/v1/fleet/agents/" + old + "/heartbeat").then().statusCode(200);
        as(org, "operator").body(Map.of()).post("/v1/fleet/agents/" + recent + "/heartbeat").then().statusCode(200);
        // newest's heartbeat is its registration, before both heartbeats above.
        var first = as(org, "viewer").get("/v1/fleet/agents?sortBy=lastHeartbeat&limit=2").then().statusCode(200)
                .body("data.hostname", contains("newest", "old")).extract().jsonPath().getString("nextCursor");
        as(org, "viewer").get("/v1/fleet/agents?sortBy=lastHeartbeat&limit=2&cursor=" + first).then().statusCode(200)
                .body("data.hostname", contains("recent")).body("nextCursor", nullValue());
        as(org, "viewer").get("/v1/fleet/agents?sortBy=lastHeartbeat&sortDir=desc").then().statusCode(200)
                .body("data.hostname", contains("recent", "old", "newest"));
    }

    /**
     * An online instance's heartbeat writes only columns that no index of fleet_instances names (as a key, an
     * expression or a predicate), so PostgreSQL can make it a HOT update: no index entry per heartbeat.
     */
    @Test
    void noIndexOfTheInstancesNamesAColumnAHeartbeatWrites() {
        List<String> indexes = db.asPlatform(conn -> conn.query(
                        "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'fleet_instances'::regclass").execute()
                .map(rows -> {
                    List<String> defs = new java.util.ArrayList<>();
                    rows.forEach(row -> defs.add(row.getString(0)));
                    return defs;
                })).await().indefinitely();
        assertFalse(indexes.isEmpty());
        for (String column : List.of("cpu", "memory", "uptime", "version", "active_policy_version", "last_heartbeat")) {
            for (String index : indexes) {
                assertFalse(index.matches("(?s).*\\b" + column + "\\b.*"), index + " names " + column);
            }
        }
    }

    /**
     * Heartbeat batches lock their instances in one order, their ids, whatever plan PostgreSQL picks (a benchmark at 64
     * connections found two batches deadlocking, each a 503: a sorted list joined to the table locked in the table's
     * stored order when the planner scanned it). A batch waiting for one instance's row holds every row of a lower id
     * already, even one stored after it; here under the plan that scans the table.
     */
    @Test
    void aHeartbeatBatchLocksItsInstancesInIdOrderWhateverThePlan() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(registerId(org, "locking-" + i));
        }
        // Two instances whose stored order is not their ids' order: the first stored has the higher id
        List<String> stored = db.inOrg(org.id(), conn -> conn.preparedQuery(
                        "SELECT id FROM fleet_instances WHERE id = ANY($1) ORDER BY ctid")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(ids.toArray(String[]::new)))
                .map(rows -> {
                    List<String> out = new ArrayList<>();
                    rows.forEach(row -> out.add(row.getString(0)));
                    return out;
                })).await().atMost(WAIT);
        String held = null;
        String below = null;
        for (int i = 0; i < stored.size() && held == null; i++) {
            for (int j = i + 1; j < stored.size(); j++) {
                if (stored.get(i).compareTo(stored.get(j)) > 0) {
                    held = stored.get(i);
                    below = stored.get(j);
                    break;
                }
            }
        }
        assertTrue(held != null, "eight random ids stored in their own order: " + stored);

        java.util.concurrent.CompletableFuture<Void> release = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        String heldId = held;
        var holder = db.inOrg(org.id(), conn -> conn.preparedQuery("SELECT id FROM fleet_instances WHERE id = $1 FOR UPDATE")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(heldId)).invoke(holding::countDown)
                .chain(() -> io.smallrye.mutiny.Uni.createFrom().completionStage(release))).subscribeAsCompletionStage();
        java.util.concurrent.CompletionStage<List<InstanceRepository.Beat>> batch;
        try { // the holder's transaction ends whatever happens here
            assertTrue(holding.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
            List<InstanceRepository.HeartbeatWrite> writes = ids.stream().sorted()
                    .map(id -> new InstanceRepository.HeartbeatWrite(id, 1.0, 2.0, 3.0, null, null, Instant.now())).toList();
            batch = db.inOrg(org.id(), conn -> conn.query("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; "
                            + "SET LOCAL enable_nestloop = off; SET LOCAL enable_mergejoin = off").execute()
                    .chain(() -> instances.onlineHeartbeats(conn, writes))).subscribeAsCompletionStage();
            String belowId = below;
            Awaitility.await().atMost(WAIT).until(() -> lockedElsewhere(belowId));
        } finally {
            release.complete(null);
        }
        holder.toCompletableFuture().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(8, batch.toCompletableFuture().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).size());
    }

    /** Whether another transaction holds the instance's row (NOWAIT: PostgreSQL's lock_not_available, 55P03). */
    private boolean lockedElsewhere(String id) {
        try {
            db.inOrg(org.id(), conn -> conn.preparedQuery("SELECT id FROM fleet_instances WHERE id = $1 FOR UPDATE NOWAIT")
                    .execute(io.vertx.mutiny.sqlclient.Tuple.of(id))).await().atMost(WAIT);
            return false;
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof io.vertx.pgclient.PgException pg && "55P03".equals(pg.getSqlState())) {
                    return true;
                }
            }
            throw e;
        }
    }

    @Test
    void anotherOrganizationsInstanceIsNotFound() {
        String id = registerId(org, "mine");
        TestOrg other = FleetFixtures.organization();
        as(other, "viewer").get("/v1/fleet/agents/" + id).then().statusCode(404).body("ok", equalTo(false));
        as(other, "operator").body(Map.of()).post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(404);
        as(other, "operator").delete("/v1/fleet/agents/" + id).then().statusCode(404);
        as(other, "viewer").get("/v1/fleet/agents").then().statusCode(200).body("data.id", not(hasItem(id)));
        as(org, "viewer").get("/v1/fleet/agents/" + id).then().statusCode(200);
    }
}
