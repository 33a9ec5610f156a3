package dev.warden.agent.registration;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.support.AgentKeys;
import dev.warden.agent.support.Events;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Beyond seed 004: an organization's admin lets agents register without a credential, rate-limited per address. */
@QuarkusTest
class OpenRegistrationTest {

    private Tenant tenant;
    private String address;

    @BeforeEach
    void newOrganization() {
        tenant = Tenants.create();
        // Each test calls from its own address (the tests run on loopback, a trusted proxy, as the gateway does).
        address = "198.51." + ThreadLocalRandom.current().nextInt(0, 256) + "." + ThreadLocalRandom.current().nextInt(1, 255);
    }

    @Test
    void closedByDefaultThenOpenedByTheAdminWithItsEvent() {
        AgentKeys keys = AgentKeys.generate();
        refused(anonymous().body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge?org=" + tenant.orgId()).then(), 401);
        // What cannot name an organization (a NUL, which PostgreSQL cannot take) is a 400 naming org, never a 500
        refused(anonymous().body(Map.of("publicKey", keys.publicKey())).urlEncodingEnabled(false)
                .post("/v1/agents/register/challenge?org=a%00b").then().body("error.details.field", hasItem("org")), 400);
        tenant.admin().get("/v1/registrations/settings").then().statusCode(200)
                .body("openRegistration", equalTo(false)).body("openRatePerMinute", equalTo(10));

        tenant.admin().body(Map.of("openRegistration", true)).put("/v1/registrations/settings").then().statusCode(200)
                .body("openRegistration", equalTo(true));
        JsonNode event = Events.about(Topics.AGENTS, tenant.orgId().toString(), 1).getFirst();
        assertEquals(EventTypes.OPEN_REGISTRATION_CHANGED, event.path("type").asText());
        assertTrue(event.at("/data/open_registration").asBoolean());
        // The same setting again changes nothing: no second event (the next about the organization is the closing below)
        tenant.admin().body(Map.of("openRegistration", true)).put("/v1/registrations/settings").then().statusCode(200)
                .body("openRegistration", equalTo(true));

        String challenge = anonymous().body(Map.of("publicKey", keys.publicKey()))
                .post("/v1/agents/register/challenge?org=" + tenant.orgId()).then().statusCode(200).extract().path("challenge");
        anonymous().body(Map.of("name", "walk-in", "version", "1.0.0", "capabilities", List.of("api_call"),
                        "publicKey", keys.publicKey(), "challenge", challenge, "signature", keys.sign(challenge)))
                .post("/v1/agents/register?org=" + tenant.orgId()).then().statusCode(201)
                .body("agentId", equalTo(keys.did())).body("status", equalTo("pending"));

        tenant.admin().get("/v1/registrations").then().body("registrations.name", contains("walk-in"));
        String name = Tenants.platform().get("/v1/orgs/" + tenant.orgId()).then().statusCode(200).extract().path("name");
        AgentKeys byName = AgentKeys.generate();
        anonymous().body(Map.of("publicKey", byName.publicKey())).post("/v1/agents/register/challenge?org=" + name)
                .then().statusCode(200).body("challenge", notNullValue());

        tenant.admin().body(Map.of("openRegistration", false)).put("/v1/registrations/settings").then().statusCode(200);
        List<JsonNode> changes = Events.about(Topics.AGENTS, tenant.orgId().toString(), 2);
        assertFalse(changes.get(1).at("/data/open_registration").asBoolean(), "the same setting again was published");
        refused(anonymous().body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge?org=" + tenant.orgId()).then(), 401);
    }

    @Test
    void unknownClosedAndDisabledOrganizationsAnswerAlikeAndACredentialCannotNameAnother() {
        AgentKeys keys = AgentKeys.generate();
        refused(anonymous().body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge").then(), 401);
        refused(anonymous().body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge?org=nobody").then(), 401);
        Tenant closed = Tenants.create();
        refused(anonymous().body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge?org=" + closed.orgId()).then(), 401);

        tenant.admin().body(Map.of("openRegistration", true)).put("/v1/registrations/settings").then().statusCode(200);
        Tenants.platform().post("/v1/orgs/" + tenant.orgId() + "/disable").then().statusCode(200);
        refused(anonymous().body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge?org=" + tenant.orgId()).then(), 401);

        var response = closed.admin().body(Map.of("publicKey", keys.publicKey()))
                .post("/v1/agents/register/challenge?org=" + tenant.orgId()).then();
        refused(response, 400);
        response.body("error.details.field", hasItem("org"));
        refused(closed.as(closed.key("viewer")).body(Map.of("openRegistration", true)).put("/v1/registrations/settings").then(), 403);
        refused(closed.admin().body(Map.of()).put("/v1/registrations/settings").then(), 400);
        closed.admin().get("/v1/registrations").then().body("registrations", empty());
    }

    @Test
    void eachAddressGetsItsOwnRateThen429WithRetryAfter() {
        tenant.admin().body(Map.of("openRegistration", true)).put("/v1/registrations/settings").then().statusCode(200);
        AgentKeys keys = AgentKeys.generate();
        for (int i = 0; i < 10; i++) {
            anonymous().body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge?org=" + tenant.orgId())
                    .then().statusCode(200);
        }
        ValidatableResponse limited = anonymous().body(Map.of("publicKey", keys.publicKey()))
                .post("/v1/agents/register/challenge?org=" + tenant.orgId()).then();
        refused(limited, 429);
        int retryAfter = Integer.parseInt(limited.extract().header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);

        Map<String, Object> body = new HashMap<>(Map.of("name", "late", "version", "1", "capabilities", List.of("api_call"),
                "publicKey", keys.publicKey(), "challenge", "x", "signature", "y"));
        refused(anonymous().body(body).post("/v1/agents/register?org=" + tenant.orgId()).then(), 429);

        String elsewhere = "192.0.2." + ThreadLocalRandom.current().nextInt(1, 255);
        RestAssured.given().contentType(ContentType.JSON).header("X-Forwarded-For", elsewhere)
                .body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge?org=" + tenant.orgId())
                .then().statusCode(200);
        // A credential is not an anonymous caller: its calls are not counted against the address.
        tenant.admin().header("X-Forwarded-For", address).body(Map.of("publicKey", keys.publicKey()))
                .post("/v1/agents/register/challenge").then().statusCode(200);
    }

    /**
     * The rate holds across replicas: another replica that answered an address's calls has spent them for this one too
     * (its row in the shared database, written here as that replica wrote it), and calls naming an organization that
     * does not exist or is closed cost the address as much as any. Once due again, the sweep forgets the address.
     */
    @Test
    void anAddressesCallsAreCountedAcrossReplicasAndOrganizationsThenForgotten() throws Exception {
        tenant.admin().body(Map.of("openRegistration", true)).put("/v1/registrations/settings").then().statusCode(200);
        AgentKeys keys = AgentKeys.generate();
        for (int i = 0; i < 9; i++) {
            String org = i % 2 == 0 ? "no-such-organization" : Tenants.create().orgId().toString(); // closed
            refused(anonymous().body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge?org=" + org)
                    .then(), 401);
        }
        anonymous().body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge?org=" + tenant.orgId())
                .then().statusCode(200);
        refused(anonymous().body(Map.of("publicKey", keys.publicKey()))
                .post("/v1/agents/register/challenge?org=" + tenant.orgId()).then(), 429);

        String other = "203.0.113." + ThreadLocalRandom.current().nextInt(1, 255);
        // Another replica answered this address's ten calls a moment ago: the next is due in a minute, at the steady rate
        calls("INSERT INTO open_registration_calls (address, due_at) VALUES (?, now() + interval '60 seconds')", other);
        ValidatableResponse limited = RestAssured.given().contentType(ContentType.JSON).header("X-Forwarded-For", other)
                .body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge?org=" + tenant.orgId())
                .then();
        refused(limited, 429);
        int retryAfter = Integer.parseInt(limited.extract().header("Retry-After"));
        assertTrue(retryAfter >= 5 && retryAfter <= 7, "one call is due every 6 s: Retry-After " + retryAfter);

        // Its time passed: the row says nothing more, and the registration sweep (every second in tests) forgets it
        calls("UPDATE open_registration_calls SET due_at = now() - interval '1 second' WHERE address = ?", other);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> calls("SELECT count(*) FROM open_registration_calls WHERE address = ?", other) == 0);
        RestAssured.given().contentType(ContentType.JSON).header("X-Forwarded-For", other)
                .body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge?org=" + tenant.orgId())
                .then().statusCode(200);
    }

    /** Runs {@code sql} on the service's database as its superuser, with {@code address}: rows changed, or the count. */
    private static long calls(String sql, String address) throws java.sql.SQLException {
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_agent_test"), pg.superUser(), pg.superPassword());
             var statement = c.prepareStatement(sql)) {
            statement.setString(1, address);
            if (statement.execute()) {
                try (var rows = statement.getResultSet()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
            return statement.getUpdateCount();
        }
    }

    /**
     * Behind a gateway that appends to X-Forwarded-For (Envoy's default), what the caller sent stays on the left and
     * its real address is on the right: writing a new address of its own on each call does not buy it a new rate.
     */
    @Test
    void behindAnAppendingProxyACallerCannotChooseTheAddressItIsLimitedBy() {
        tenant.admin().body(Map.of("openRegistration", true)).put("/v1/registrations/settings").then().statusCode(200);
        AgentKeys keys = AgentKeys.generate();
        for (int i = 0; i <= 10; i++) {
            ValidatableResponse response = RestAssured.given().contentType(ContentType.JSON)
                    .header("X-Forwarded-For", "192.0.2." + (i + 1) + ", " + address)
                    .body(Map.of("publicKey", keys.publicKey())).post("/v1/agents/register/challenge?org=" + tenant.orgId())
                    .then();
            if (i < 10) {
                response.statusCode(200);
            } else {
                refused(response, 429);
            }
        }
    }

    private RequestSpecification anonymous() {
        return RestAssured.given().contentType(ContentType.JSON).header("X-Forwarded-For", address);
    }

    private static void refused(ValidatableResponse response, int status) {
        response.statusCode(status).body("error.code", notNullValue()).body("error.message", notNullValue());
        if (status == 401) {
            // RFC 9110: every 401 says which credentials are taken
            response.header("WWW-Authenticate", org.hamcrest.Matchers.containsString("ApiKey realm=\"warden\""));
        }
    }
}
