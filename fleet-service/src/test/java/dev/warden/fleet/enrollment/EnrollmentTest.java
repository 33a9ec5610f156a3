package dev.warden.fleet.enrollment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.EventSchemas;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.fleet.support.FleetFixtures;
import dev.warden.fleet.support.TestClock;
import dev.warden.tenancy.security.ApiKeys;
import dev.warden.testing.EventTap;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.fleet.support.FleetFixtures.as;
import static dev.warden.fleet.support.FleetFixtures.bearer;
import static dev.warden.fleet.support.FleetFixtures.instanceBody;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Enrolment tokens and instance credentials: what each may do, and every misuse refused. */
@QuarkusTest
class EnrollmentTest {

    @Inject
    TestClock clock;

    TestOrg org;

    @BeforeEach
    void organization() {
        org = FleetFixtures.organization();
    }

    private String token(Map<String, Object> body) {
        return as(org, "admin").body(body).post("/v1/fleet/enrollment-tokens").then().statusCode(201)
                .body("ok", equalTo(true)).body("data.token", startsWith("wfe_")).extract().path("data.token");
    }

    private io.restassured.response.ValidatableResponse registerWith(String secret, Map<String, Object> body) {
        return bearer(secret).body(body).post("/v1/fleet/agents/register").then();
    }

    @Test
    void aTokenRegistersAnInstanceWhoseCredentialHeartbeatsOnlyAsItself() {
        String token = token(Map.of("max_uses", 3));
        String credential = registerWith(token, instanceBody("enrolled-1")).statusCode(201)
                .body("data.status", equalTo("online")).body("data.credential", startsWith("wfi_"))
                .extract().path("data.credential");
        String id = as(org, "viewer").get("/v1/fleet/agents?q=enrolled-1").then().extract().path("data[0].id");
        var second = registerWith(token, instanceBody("enrolled-2")).statusCode(201).extract().jsonPath();
        String other = second.getString("data.id");

        bearer(credential).body(Map.of("cpu", 1.5)).post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(200)
                .body("data.id", equalTo(id));
        // Another instance's id, even of the same organization: as if it did not exist.
        bearer(credential).body(Map.of()).post("/v1/fleet/agents/" + other + "/heartbeat").then().statusCode(404)
                .body("ok", equalTo(false));
        // One credential per request: two bearer secrets are a 401 whichever comes first, never the first one's instance
        bearer(credential).header("Authorization", "Bearer " + second.getString("data.credential")).body(Map.of())
                .post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(401).header("WWW-Authenticate", notNullValue());
        bearer(second.getString("data.credential")).header("Authorization", "Bearer " + credential).body(Map.of())
                .post("/v1/fleet/agents/" + other + "/heartbeat").then().statusCode(401);
        bearer(token).header("Authorization", "Bearer " + token).body(instanceBody("twice")).post("/v1/fleet/agents/register")
                .then().statusCode(401);
        // Its header is Authorization, which proxies and log redaction treat as a credential: in X-API-Key, a 401
        given().header("X-API-Key", credential).contentType(ContentType.JSON).body(Map.of())
                .post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(401).body("ok", equalTo(false));
        given().header("X-API-Key", token).contentType(ContentType.JSON).body(instanceBody("in-api-key"))
                .post("/v1/fleet/agents/register").then().statusCode(401)
                .body("error.message", containsString("Authorization: Bearer"));
        // An instance credential reads nothing and registers nothing.
        bearer(credential).get("/v1/fleet/agents").then().statusCode(403).body("ok", equalTo(false));
        bearer(credential).get("/v1/fleet/agents/" + id).then().statusCode(403);
        bearer(credential).body(instanceBody("x")).post("/v1/fleet/agents/register").then().statusCode(403);
        bearer(credential).body(Map.of()).post("/v1/fleet/enrollment-tokens").then().statusCode(403);
        // An enrolment token only registers.
        bearer(token).get("/v1/fleet/agents").then().statusCode(403);
        // A deregistered instance's credential is refused.
        as(org, "operator").delete("/v1/fleet/agents/" + id).then().statusCode(200);
        bearer(credential).body(Map.of()).post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(401);
    }

    /**
     * A suspended agent enrols no instance: no token pinned to it, no registration for it (a security trial enrolled
     * instances of one). A stale event of an older revision does not lift the suspension; the deploy that lifts it does.
     */
    @Test
    void aSuspendedAgentEnrolsNoInstanceUntilItsSuspensionIsLifted() {
        UUID agent = FleetFixtures.knownAgent(org);
        Map<String, Object> enrolled = new HashMap<>(instanceBody("running-before"));
        enrolled.put("agent_id", agent.toString());
        String running = as(org, "operator").body(enrolled).post("/v1/fleet/agents/register").then().statusCode(201)
                .extract().path("data.id");
        String pinned = token(Map.of("agent_id", agent.toString(), "max_uses", 2));
        FleetFixtures.publish(Topics.AGENTS, agentEvent(agent, EventTypes.AGENT_SUSPENDED, "suspended", 2));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "admin").body(Map.of("agent_id", agent.toString())).post("/v1/fleet/enrollment-tokens")
                        .statusCode() == 409);
        as(org, "admin").body(Map.of("agent_id", agent.toString())).post("/v1/fleet/enrollment-tokens").then()
                .statusCode(409).body("ok", equalTo(false)).body("error.message", containsString("suspended"));
        registerWith(pinned, instanceBody("held-1")).statusCode(409).body("error.message", containsString("suspended"));
        Map<String, Object> direct = new HashMap<>(instanceBody("held-2"));
        direct.put("agent_id", agent.toString());
        as(org, "operator").body(direct).post("/v1/fleet/agents/register").then().statusCode(409);

        // An instance enrolled before heartbeats on: what a suspended agent still runs stays in sight
        as(org, "operator").body(Map.of()).post("/v1/fleet/agents/" + running + "/heartbeat").then().statusCode(200)
                .body("data.pendingPolicies", equalTo(0));

        // The creation again (revision 1), then a later marker of the same agent (a policy bound): still suspended
        FleetFixtures.announce(org, agent);
        UUID policy = UUID.randomUUID();
        FleetFixtures.publish(Topics.AGENTS, dev.warden.events.CloudEvent.of("/warden/agent-service", EventTypes.POLICY_BOUND,
                agent.toString(), org.id(), Map.of("agent_id", agent.toString(), "policy", Map.of("id", policy.toString(),
                        "org_id", org.id().toString(), "name", "p", "enforcement", "block", "version", 1))));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "operator").body(Map.of()).post("/v1/fleet/agents/" + running + "/heartbeat").then()
                        .extract().<Integer>path("data.pendingPolicies") == 1);
        registerWith(pinned, instanceBody("held-3")).statusCode(409);

        FleetFixtures.publish(Topics.AGENTS, agentEvent(agent, EventTypes.AGENT_DEPLOYED, "active", 3));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                registerWith(pinned, instanceBody("lifted")).extract().statusCode() == 201);
        // The refusals used none of the token's two uses
        registerWith(pinned, instanceBody("lifted-2")).statusCode(201);
        registerWith(pinned, instanceBody("lifted-3")).statusCode(401);
    }

    private dev.warden.events.CloudEvent agentEvent(UUID agent, String type, String status, int revision) {
        return dev.warden.events.CloudEvent.of("/warden/agent-service", type, agent.toString(), org.id(),
                Map.of("agent", Map.of("id", agent.toString(), "name", "agent-" + agent.toString().substring(0, 8),
                        "status", status, "revision", revision, "updated_by", "alice")));
    }

    @Test
    void noCredentialIsIssuedAfterAnAccessChangeTheBrokerHeldWhenItWasAsked() {
        // A token and an instance credential outlive their request: an organization disabled on the broker (what its
        // disabling's 200 says) issues neither, however far behind the service's access directory was when asked
        String token = token(Map.of("max_uses", 3));
        TestOrganizations.disable(FleetFixtures.bootstrap(), org);
        as(org, "admin").body(Map.of()).post("/v1/fleet/enrollment-tokens").then().statusCode(401).body("ok", equalTo(false));
        registerWith(token, instanceBody("after-disable")).statusCode(401);
        as(org, "operator").body(instanceBody("by-operator")).post("/v1/fleet/agents/register").then().statusCode(401);
    }

    @Test
    void usedUpExpiredRevokedAndUnknownTokensAre401() {
        // Every field has a default: no body at all is a token for one registration
        as(org, "admin").post("/v1/fleet/enrollment-tokens").then().statusCode(201)
                .body("data.max_uses", equalTo(1)).body("data.agent_id", equalTo(null));
        // A body that is there and is not an object is no absent body
        as(org, "admin").body("null").post("/v1/fleet/enrollment-tokens").then().statusCode(400)
                .body("error.details[0].field", equalTo("body"));
        String once = token(Map.of());
        registerWith(once, instanceBody("once")).statusCode(201);
        registerWith(once, instanceBody("twice")).statusCode(401).body("ok", equalTo(false))
                .body("error.code", equalTo("unauthorized"));

        String shortLived = token(Map.of("expires_in_seconds", 60, "max_uses", 5));
        clock.advance(Duration.ofSeconds(61));
        registerWith(shortLived, instanceBody("late")).statusCode(401);

        var issued = as(org, "admin").body(Map.of("max_uses", 5)).post("/v1/fleet/enrollment-tokens").then()
                .statusCode(201).extract().jsonPath();
        as(org, "admin").delete("/v1/fleet/enrollment-tokens/" + issued.getString("data.id")).then().statusCode(200)
                .body("ok", equalTo(true));
        registerWith(issued.getString("data.token"), instanceBody("revoked")).statusCode(401);

        registerWith("wfe_" + "x".repeat(43), instanceBody("forged")).statusCode(401);
        as(org, "admin").delete("/v1/fleet/enrollment-tokens/" + UUID.randomUUID()).then().statusCode(404);
    }

    /**
     * After a key is revoked, its tokens go on working: an admin finds those still usable by who issued them, and
     * revokes them (a user trial could not: there was no list).
     */
    @Test
    void anAdminListsTheTokensAKeyIssuedWithTheirStatesAndFindsThoseStillUsable() {
        String usable = id(Map.of("max_uses", 2));
        String usedUp = id(Map.of());
        String revoked = id(Map.of());
        String expired = id(Map.of("expires_in_seconds", 60));
        registerWith(secrets.get(usedUp), instanceBody("used-up")).statusCode(201);
        as(org, "admin").delete("/v1/fleet/enrollment-tokens/" + revoked).then().statusCode(200);
        clock.advance(Duration.ofSeconds(61));
        String issuer = as(org, "admin").get("/v1/fleet/enrollment-tokens?limit=1").then().statusCode(200)
                .extract().path("data[0].created_by");

        var all = as(org, "admin").get("/v1/fleet/enrollment-tokens").then().statusCode(200).body("ok", equalTo(true))
                .body("total", equalTo(4)).body("total_exact", equalTo(true)).body("next_cursor", equalTo(null))
                .body("data.id", equalTo(List.of(usable, usedUp, revoked, expired)))
                .body("data.state", equalTo(List.of("usable", "used_up", "revoked", "expired")))
                .body("data[0].uses", equalTo(0)).body("data[1].uses", equalTo(1))
                .body("data[2].revoked_at", notNullValue()).body("data[0].revoked_at", equalTo(null))
                .extract().jsonPath();
        assertFalse(all.prettify().contains("token\""), "no secret in the list");
        assertFalse(all.prettify().contains(ApiKeys.sha256(secrets.get(usable))), "nor its hash");

        as(org, "admin").queryParam("created_by", issuer).queryParam("state", "usable").get("/v1/fleet/enrollment-tokens")
                .then().statusCode(200).body("data.id", equalTo(List.of(usable))).body("total", equalTo(1));
        as(org, "admin").queryParam("created_by", "someone-else").get("/v1/fleet/enrollment-tokens").then()
                .statusCode(200).body("data", equalTo(List.of())).body("total", equalTo(0));

        String next = as(org, "admin").get("/v1/fleet/enrollment-tokens?limit=3").then().statusCode(200)
                .body("data.id", equalTo(List.of(usable, usedUp, revoked))).extract().path("next_cursor");
        as(org, "admin").queryParam("cursor", next).get("/v1/fleet/enrollment-tokens").then().statusCode(200)
                .body("data.id", equalTo(List.of(expired))).body("next_cursor", equalTo(null));

        as(org, "admin").get("/v1/fleet/enrollment-tokens?state=revoked").then().statusCode(400)
                .body("error.details[0].field", equalTo("state"));
        as(org, "operator").get("/v1/fleet/enrollment-tokens").then().statusCode(403);
        TestOrg other = FleetFixtures.organization();
        as(other, "admin").get("/v1/fleet/enrollment-tokens").then().statusCode(200).body("total", equalTo(0));
    }

    private final Map<String, String> secrets = new HashMap<>();

    /** Issues a token, keeping its secret by its id. */
    private String id(Map<String, Object> body) {
        var issued = as(org, "admin").body(body).post("/v1/fleet/enrollment-tokens").then().statusCode(201).extract().jsonPath();
        secrets.put(issued.getString("data.id"), issued.getString("data.token"));
        return issued.getString("data.id");
    }

    @Test
    void issuingAndRevokingATokenArePublishedOnceEachWithTheirActorsAndNeverTheHash() {
        UUID agent = FleetFixtures.knownAgent(org);
        var issued = as(org, "admin").body(Map.of("agent_id", agent.toString(), "max_uses", 2))
                .post("/v1/fleet/enrollment-tokens").then().statusCode(201).extract().jsonPath();
        String id = issued.getString("data.id");
        as(org, "admin").delete("/v1/fleet/enrollment-tokens/" + id).then().statusCode(200);
        as(org, "admin").delete("/v1/fleet/enrollment-tokens/" + id).then().statusCode(200); // again: no change
        // A later token of the same agent: its event follows on the same key, a marker after anything the second
        // revocation could have published.
        String marker = as(org, "admin").body(Map.of("agent_id", agent.toString())).post("/v1/fleet/enrollment-tokens")
                .then().statusCode(201).extract().path("data.id");

        try (EventTap tap = new EventTap(FleetFixtures.bootstrap(), Topics.FLEET)) {
            tap.eventsAbout("enrollment-token:" + marker, 1, Duration.ofSeconds(30));
            List<JsonNode> events = tap.eventsAbout("enrollment-token:" + id, 2, Duration.ofSeconds(1));
            assertEquals(List.of(EventTypes.FLEET_ENROLLMENT_TOKEN_ISSUED, EventTypes.FLEET_ENROLLMENT_TOKEN_REVOKED),
                    events.stream().map(e -> e.path("type").asText()).toList(), "published once each");
            for (JsonNode e : events) {
                assertEquals(List.of(), EventSchemas.violations(e), e.toString());
                assertEquals(org.id().toString(), e.path("orgid").asText());
                assertEquals(agent.toString(), e.path("data").path("agent_id").asText());
                assertEquals(2, e.path("data").path("max_uses").asInt());
                assertTrue(e.path("data").path("actor").asText().startsWith("api-key:"), e.toString());
                assertFalse(e.toString().contains(issued.getString("data.token")), "never the token");
                assertFalse(e.toString().contains(ApiKeys.sha256(issued.getString("data.token"))), "never its hash");
            }
            assertEquals(issued.getString("data.created_by"), events.get(0).path("data").path("actor").asText());
            assertEquals(issued.getString("data.created_by"), events.get(1).path("data").path("actor").asText(),
                    "the same admin revoked it");
        }
    }

    @Test
    void identityProviderTokensStillWorkBesideTheServicesOwnBearerSecrets() {
        String operator = io.smallrye.jwt.build.Jwt.preferredUserName("ops-" + UUID.randomUUID())
                .issuer("https://server.example.com").claim("org_id", org.id().toString())
                .claim("realm_access", Map.of("roles", java.util.List.of("operator")))
                .expiresIn(Duration.ofMinutes(5)).sign();
        String id = bearer(operator).body(instanceBody("oidc-registered")).post("/v1/fleet/agents/register").then()
                .statusCode(201).extract().path("data.id");
        bearer(operator).get("/v1/fleet/agents/" + id).then().statusCode(200).body("data.hostname", equalTo("oidc-registered"));
        bearer(operator).body(Map.of()).post("/v1/fleet/enrollment-tokens").then().statusCode(403);
        bearer("not-a-jwt").get("/v1/fleet/agents").then().statusCode(401).body("ok", equalTo(false));
    }

    @Test
    void onlyAnAdminIssuesTokensAndTheirSettingsAreChecked() {
        as(org, "operator").body(Map.of()).post("/v1/fleet/enrollment-tokens").then().statusCode(403)
                .body("ok", equalTo(false));
        as(org, "admin").body(Map.of("expires_in_seconds", 0, "max_uses", 0)).post("/v1/fleet/enrollment-tokens")
                .then().statusCode(400).body("error.details.field", hasItem("expires_in_seconds"))
                .body("error.details.field", hasItem("max_uses"));
        as(org, "admin").body(Map.of("agent_id", UUID.randomUUID().toString())).post("/v1/fleet/enrollment-tokens")
                .then().statusCode(404);
        as(org, "admin").body(Map.of("agent_id", "nope")).post("/v1/fleet/enrollment-tokens")
                .then().statusCode(400).body("error.details.field", hasItem("agent_id"));
        // An empty id is malformed, not absent: read as absent it would issue a token pinned to no agent
        as(org, "admin").body(Map.of("agent_id", "")).post("/v1/fleet/enrollment-tokens")
                .then().statusCode(400).body("error.details.field", hasItem("agent_id"));
    }

    @Test
    void aPinnedTokenRegistersInstancesOfItsAgentOnly() {
        UUID agent = FleetFixtures.knownAgent(org);
        String token = token(Map.of("agent_id", agent.toString(), "max_uses", 3));
        registerWith(token, instanceBody("pinned")).statusCode(201).body("data.agentId", equalTo(agent.toString()));
        Map<String, Object> other = new HashMap<>(instanceBody("elsewhere"));
        other.put("agent_id", FleetFixtures.knownAgent(org).toString());
        registerWith(token, other).statusCode(400).body("error.details.field", hasItem("agent_id"));
        TestOrg stranger = FleetFixtures.organization();
        Map<String, Object> claimsOther = new HashMap<>(instanceBody("claims"));
        claimsOther.put("org_id", stranger.id().toString());
        registerWith(token, claimsOther).statusCode(400).body("error.details.field", hasItem("org_id"));
    }
}
