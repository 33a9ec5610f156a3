package dev.warden.agent.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Events;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.tenancy.security.ApiKeys;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWireMock;
import jakarta.inject.Inject;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class AccessTest {

    private static final String CERTS = "/auth/realms/quarkus/protocol/openid-connect/certs";

    @Inject
    KeyUsageRecorder usage;

    @OidcWireMock
    WireMockServer oidc;

    private Tenant tenant;

    @BeforeEach
    void newOrganization() {
        tenant = Tenants.create();
    }

    @Test
    void platformAdminManagesOrganizationsButSeesNoOrganizationData() {
        Tenants.platform().get("/v1/orgs/" + tenant.orgId()).then().statusCode(200).body("status", equalTo("active"));
        Tenants.platform().get("/v1/orgs?limit=500").then().statusCode(200)
                .body("organizations.id", hasItem(tenant.orgId().toString()));
        Tenants.platform().get("/v1/agents").then().statusCode(403);
        tenant.admin().get("/v1/orgs").then().statusCode(403);
    }

    @Test
    void organizationNamesAreUnique() {
        String name = "unique-" + java.util.UUID.randomUUID();
        Tenants.platform().body(Map.of("name", name)).post("/v1/orgs").then().statusCode(201);
        Tenants.platform().body(Map.of("name", name)).post("/v1/orgs").then().statusCode(409)
                .body("error.code", equalTo("conflict"));
    }

    /** "Acme" and "acme", or a full-width "Ａｃｍｅ", are one name to a person reading a log or naming ?org=. */
    @Test
    void organizationNamesDifferingOnlyInCaseOrCompatibilityFormAreOneName() {
        String suffix = java.util.UUID.randomUUID().toString().substring(0, 8);
        Tenants.platform().body(Map.of("name", "Acme Corp " + suffix)).post("/v1/orgs").then().statusCode(201);
        for (String variant : java.util.List.of("acme corp " + suffix, "ACME CORP " + suffix,
                "\uFF21\uFF43\uFF4D\uFF45 Corp " + suffix)) {
            Tenants.platform().body(Map.of("name", variant)).post("/v1/orgs").then().statusCode(409)
                    .body("error.code", equalTo("conflict"))
                    .body("error.message", containsString("without regard to case"));
        }
        // Letters beyond ASCII are names of their own, not folded into ASCII ones.
        Tenants.platform().body(Map.of("name", "Müller AG " + suffix)).post("/v1/orgs").then().statusCode(201);
        Tenants.platform().body(Map.of("name", "Muller AG " + suffix)).post("/v1/orgs").then().statusCode(201);
    }

    @Test
    void anOrganizationMayNotBeNamedWithAnIdSoOpenRegistrationByIdReachesOnlyThatId() {
        // ?org= of open registration takes a name or an id: a name with an id's form could capture another's.
        for (String name : java.util.List.of(tenant.orgId().toString(), tenant.orgId().toString().toUpperCase(),
                " " + java.util.UUID.randomUUID())) {
            Tenants.platform().body(Map.of("name", name)).post("/v1/orgs").then().statusCode(400)
                    .body("error.details[0].field", equalTo("name"));
        }
    }

    @Test
    void secretIsShownOnceAndStoredOnlyAsItsHash() {
        var created = tenant.admin().body(Map.of("name", "ci", "role", "operator")).post("/v1/api-keys")
                .then().statusCode(201).body("secret", startsWith("wdn_")).body("role", equalTo("operator"))
                .header("Cache-Control", "no-store") // kept by no cache
                .extract().jsonPath();
        String secret = created.getString("secret");

        tenant.admin().get("/v1/api-keys").then().statusCode(200)
                .body("api_keys.find { it.id == '" + created.getString("id") + "' }.secret", nullValue())
                .body("api_keys.find { it.id == '" + created.getString("id") + "' }.prefix", equalTo(ApiKeys.displayPrefix(secret)));

        List<JsonNode> events = Events.about(Topics.ACCESS, "api-key:" + created.getString("id"), 1);
        assertEquals(EventTypes.API_KEY, events.getFirst().path("type").asText());
        assertEquals(ApiKeys.sha256(secret), events.getFirst().at("/data/secret_sha256").asText());
        assertFalse(events.getFirst().toString().contains(secret));
    }

    @Test
    void aRevokedKeyStopsWorking() {
        String operator = tenant.key("operator");
        String id = tenant.admin().get("/v1/api-keys").then().extract()
                .path("api_keys.find { it.role == 'operator' }.id");

        tenant.as(operator).get("/v1/agents").then().statusCode(200);

        // From the revocation's answer on, not some time after it: a key revoked while in use could otherwise go on,
        // and even mint a new admin key, in the moment between the answer and the event's arrival
        tenant.admin().delete("/v1/api-keys/" + id).then().statusCode(200).body("revoked", equalTo(true));
        tenant.as(operator).get("/v1/agents").then().statusCode(401);
        tenant.as(operator).body(Map.of("name", "minted", "role", "admin")).post("/v1/api-keys").then().statusCode(401);
        tenant.admin().get("/v1/agents").then().statusCode(200);
    }

    @Test
    void theLastAdminKeyInForceIsNotRevokedNotEvenByItselfNorByTwoRevocationsAtOnce() throws Exception {
        Tenant org = Tenants.create();
        String firstId = org.admin().get("/v1/api-keys").then().extract().path("api_keys.find { it.role == 'admin' }.id");
        // Nothing could mint a key again: the platform admin does not reach into an organization
        org.admin().delete("/v1/api-keys/" + firstId).then().statusCode(409).body("error.code", equalTo("conflict"))
                .body("error.message", containsString("last admin key"));
        org.admin().get("/v1/agents").then().statusCode(200);

        // Two admin keys each revoking the other at the same moment: one goes, the other stays and works
        String second = org.key("admin");
        String secondId = org.admin().get("/v1/api-keys").then().extract()
                .path("api_keys.find { it.role == 'admin' && it.id != '" + firstId + "' }.id");
        var revokeSecond = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> org.admin().delete("/v1/api-keys/" + secondId).statusCode());
        var revokeFirst = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> org.as(second).delete("/v1/api-keys/" + firstId).statusCode());
        List<Integer> answers = java.util.stream.Stream.of(revokeSecond.get(), revokeFirst.get()).sorted().toList();
        // 401: the revocation that won answered before the other request was authenticated, which is the same outcome
        assertTrue(answers.equals(List.of(200, 409)) || answers.equals(List.of(200, 401)), answers.toString());
        boolean firstStays = revokeSecond.get() == 200;
        org.as(firstStays ? org.adminKey() : second).get("/v1/agents").then().statusCode(200);
        org.as(firstStays ? second : org.adminKey()).get("/v1/agents").then().statusCode(401);
        org.as(firstStays ? org.adminKey() : second).get("/v1/api-keys").then()
                .body("api_keys.findAll { it.role == 'admin' && !it.revoked }.size()", equalTo(1));
    }

    @Test
    void aWriteAfterARevocationOrADisablingAnotherReplicaAnsweredIsRefusedBeforeThisReplicaHearsOfIt() throws Exception {
        var created = tenant.admin().body(Map.of("name", "revoked elsewhere", "role", "admin")).post("/v1/api-keys")
                .then().statusCode(201).extract();
        String key = created.path("secret");
        String agent = tenant.as(key).body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        String token = tenant.token("admin");
        // Another replica revoked the key and answered 200: committed, its event not yet read by this replica's access
        // directory. A trial with two replicas created agents and deployed with such a key on the other one.
        superUserSql("UPDATE api_keys SET revoked_at = now() WHERE id = ?::uuid", created.path("id"));
        tenant.as(key).get("/v1/agents/" + agent).then().statusCode(200); // reads go by the directory, which has not heard
        tenant.as(key).body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(401)
                .body("error.code", equalTo("unauthorized"));
        tenant.as(key).body(AgentMother.deployment("img:v1")).post("/v1/agents/" + agent + "/deploy").then()
                .statusCode(401);
        given().auth().oauth2(token).contentType(ContentType.JSON).body(AgentMother.deployment("img:v1"))
                .post("/v1/agents/" + agent + "/deploy").then().statusCode(200); // another credential is not affected

        // Another replica disabled the organization: its tokens' and keys' writes are refused here from then on.
        superUserSql("UPDATE organizations SET status = 'disabled' WHERE id = ?::uuid", tenant.orgId().toString());
        given().auth().oauth2(token).contentType(ContentType.JSON).body(AgentMother.deployment("img:v2"))
                .post("/v1/agents/" + agent + "/deploy").then().statusCode(401);
        tenant.admin().body(AgentMother.deployment("img:v2")).post("/v1/agents/" + agent + "/deploy").then()
                .statusCode(401);
        superUserSql("UPDATE organizations SET status = 'active' WHERE id = ?::uuid", tenant.orgId().toString());
        tenant.admin().get("/v1/agents/" + agent).then().statusCode(200).body("version", equalTo(1));
    }

    /** A change made in the service's database as another replica of the service would make it, unseen by this one. */
    private static void superUserSql(String update, String id) throws Exception {
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("warden_agent_test"), pg.superUser(), pg.superPassword());
             var statement = c.prepareStatement(update)) {
            statement.setString(1, id);
            assertEquals(1, statement.executeUpdate());
        }
    }

    @Test
    void aKeyRevokedWhileItsRequestIsOnItsWayIssuesNoKey() throws Exception {
        var created = tenant.admin().body(Map.of("name", "doomed", "role", "admin")).post("/v1/api-keys").then()
                .statusCode(201).extract();
        String admin = created.path("secret");
        String id = created.path("id");
        // The revocation committed, and not yet read back by the service's access directory: the request is let in, as
        // one checked a moment before a revocation is, and the issue itself must see the revocation.
        superUserSql("UPDATE api_keys SET revoked_at = now() WHERE id = ?::uuid", id);
        tenant.as(admin).get("/v1/agents").then().statusCode(200); // the directory has not heard of it
        tenant.as(admin).body(Map.of("name", "minted", "role", "admin")).post("/v1/api-keys").then().statusCode(401)
                .body("error.code", equalTo("unauthorized"));
        tenant.admin().get("/v1/api-keys").then().statusCode(200)
                .body("api_keys.findAll { it.name == 'minted' }.size()", equalTo(0));
    }

    @Test
    void aNewKeyWorksFromItsCreationsAnswerOn() {
        for (int i = 0; i < 5; i++) {
            String secret = tenant.admin().body(Map.of("name", "fresh-" + i, "role", "viewer")).post("/v1/api-keys")
                    .then().statusCode(201).extract().path("secret");
            tenant.as(secret).get("/v1/agents").then().statusCode(200);
        }
    }

    /**
     * A revocation is published naming who revoked the key (audit-service chains it as api-key.revoked); using the key
     * publishes nothing (its first events are its creation and its revocation), and revoking it again changes nothing.
     */
    @Test
    void aRevocationNamesTheRevokerAndAUseOfTheKeyPublishesNothing() {
        String secret = tenant.key("viewer");
        String id = tenant.admin().get("/v1/api-keys").then().extract()
                .path("api_keys.find { it.prefix == '" + ApiKeys.displayPrefix(secret) + "' }.id");
        String admin = "api-key:" + tenant.admin().get("/v1/api-keys").then().extract()
                .path("api_keys.find { it.name == 'first admin' }.id");
        tenant.as(secret).get("/v1/agents").then().statusCode(200);
        usage.flush().await().atMost(Duration.ofSeconds(10));

        String revokedAt = tenant.admin().delete("/v1/api-keys/" + id).then().statusCode(200)
                .body("revoked", equalTo(true)).body("revoked_by", equalTo(admin)).extract().path("revoked_at");
        tenant.admin().delete("/v1/api-keys/" + id).then().statusCode(200).body("revoked_at", equalTo(revokedAt))
                .body("revoked_by", equalTo(admin));
        tenant.admin().get("/v1/api-keys").then().body("api_keys.find { it.id == '" + id + "' }.revoked_by", equalTo(admin));

        List<JsonNode> events = Events.about(Topics.ACCESS, "api-key:" + id, 2);
        assertEquals(List.of(false, true), events.stream().map(e -> e.at("/data/revoked").asBoolean()).toList());
        assertTrue(events.getFirst().at("/data/revoked_by").isNull() || events.getFirst().at("/data/revoked_by").isMissingNode());
        assertEquals(admin, events.get(1).at("/data/revoked_by").asText());
        assertEquals(tenant.orgId().toString(), events.get(1).path("orgid").asText());
    }

    @Test
    void anExpiredKeyStopsWorking() {
        tenant.admin().body(Map.of("name", "old", "role", "viewer", "expires_at", "2020-01-01T00:00:00Z"))
                .post("/v1/api-keys").then().statusCode(400).body("error.details[0].field", equalTo("expires_at"));
        // A string that is no time says so, not "must be a string"
        for (String noTime : List.of("2027-02-30T00:00:00Z", "2027-13-01T00:00:00Z", "2027-01-01T25:00:00Z", "2027-01-01T00:00:00")) {
            tenant.admin().body(Map.of("name", "bad-time", "role", "viewer", "expires_at", noTime)).post("/v1/api-keys").then()
                    .statusCode(400).body("error.details[0].field", equalTo("expires_at"))
                    .body("error.details[0].reason", equalTo(dev.warden.api.StorableValues.TIME_FORMAT_REASON));
        }
        String secret = tenant.admin().body(Map.of("name", "short", "role", "viewer",
                        "expires_at", Instant.now().plusSeconds(3).toString()))
                .post("/v1/api-keys").then().statusCode(201).extract().path("secret");

        Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> tenant.as(secret).get("/v1/agents").statusCode() == 200);
        Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> tenant.as(secret).get("/v1/agents").statusCode() == 401);
    }

    @Test
    void keysAndTokensOfADisabledOrganizationStopWorkingUntilItIsEnabled() {
        String token = tenant.token("admin");
        given().auth().oauth2(token).get("/v1/agents").then().statusCode(200);
        Tenants.platform().post("/v1/orgs/" + tenant.orgId() + "/disable").then().statusCode(200)
                .body("status", equalTo("disabled"));
        tenant.admin().get("/v1/agents").then().statusCode(401);
        // A bearer token of the organization too: it went on reading, writing and minting API keys
        given().auth().oauth2(token).get("/v1/agents").then().statusCode(401)
                .body("error.message", containsString("unknown or disabled"));
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", "minted", "role", "admin"))
                .post("/v1/api-keys").then().statusCode(401);

        Tenants.platform().post("/v1/orgs/" + tenant.orgId() + "/enable").then().statusCode(200);
        tenant.admin().get("/v1/agents").then().statusCode(200);
        given().auth().oauth2(token).get("/v1/agents").then().statusCode(200);
    }

    @Test
    void onlyAnAccessTokenIsABearerCredential() {
        // Keycloak marks its tokens: an ID token (typ ID) was taken as a bearer credential
        Map<String, Object> claims = Map.of("org_id", tenant.orgId().toString(), "realm_access", Map.of("roles", List.of("admin")));
        given().auth().oauth2(Tenants.token(with(claims, "typ", "ID"))).get("/v1/agents").then().statusCode(401)
                .body("error.message", containsString("not an access token"));
        given().auth().oauth2(Tenants.token(with(claims, "typ", "Refresh"))).get("/v1/agents").then().statusCode(401);
        given().auth().oauth2(Tenants.token(with(claims, "typ", "Bearer"))).get("/v1/agents").then().statusCode(200);
        given().auth().oauth2(Tenants.token(claims)).get("/v1/agents").then().statusCode(200); // another provider's: no typ
    }

    /**
     * A signing key the provider stops publishing (rotated out, or removed because it leaked) stops being trusted within
     * the key watch's interval (1 s in tests), for tokens signed before and after; published again, trusted again.
     * Before the watch, Quarkus kept a key it had read until the service restarted.
     */
    @Test
    void aTokenSignedWithAKeyTheProviderNoLongerPublishesIsRefused() {
        String token = Tenants.token(tenant.orgId().toString(), "admin");
        given().auth().oauth2(token).get("/v1/agents").then().statusCode(200);

        // The provider's key set without key "1", which signs the tests' tokens: the same key material under id "2"
        String keys = oidc.getStubMappings().stream().filter(m -> CERTS.equals(m.getRequest().getUrl()))
                .findFirst().orElseThrow().getResponse().getBody().replace("\"kid\": \"1\"", "\"kid\": \"2\"");
        assertTrue(keys.contains("\"kid\": \"2\"") && !keys.contains("\"kid\": \"1\""), keys);
        StubMapping withdrawn = oidc.stubFor(WireMock.get(WireMock.urlEqualTo(CERTS)).atPriority(1)
                .willReturn(WireMock.okJson(keys)));
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> given().auth().oauth2(token).get("/v1/agents").statusCode() == 401);
            given().auth().oauth2(Tenants.token(tenant.orgId().toString(), "admin")).get("/v1/agents").then()
                    .statusCode(401).body("error.code", equalTo("unauthorized"));
        } finally {
            oidc.removeStub(withdrawn);
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().auth().oauth2(token).get("/v1/agents").statusCode() == 200);
    }

    private static Map<String, Object> with(Map<String, Object> claims, String name, Object value) {
        Map<String, Object> more = new java.util.HashMap<>(claims);
        more.put(name, value);
        return more;
    }

    @Test
    void aTokenNamingAnOrganizationThatDoesNotExistIsRefused() {
        // It was served as a tenant of its own: empty lists, policies and signed checkpoints of no organization
        given().auth().oauth2(Tenants.token(UUID.randomUUID().toString(), "admin")).get("/v1/agents").then()
                .statusCode(401).body("error.message", containsString("unknown or disabled"));
        given().auth().oauth2(Tenants.token(UUID.randomUUID().toString(), "admin")).contentType(ContentType.JSON)
                .body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(401);
    }

    @Test
    void theLastUseOfAKeyIsRecorded() {
        String viewer = tenant.key("viewer");
        Instant before = Instant.now();
        tenant.as(viewer).get("/v1/agents").then().statusCode(200);

        usage.flush().await().atMost(Duration.ofSeconds(10));

        String lastUsed = tenant.admin().get("/v1/api-keys").then().statusCode(200)
                .extract().path("api_keys.find { it.role == 'viewer' }.last_used_at");
        assertEquals(true, !Instant.parse(lastUsed).isBefore(before.minusSeconds(1)), lastUsed);
    }

    @Test
    void aKeyCannotBeGivenAPlatformRole() {
        tenant.admin().body(Map.of("name", "escalate", "role", "platform-admin")).post("/v1/api-keys")
                .then().statusCode(400).body("error.details[0].field", equalTo("role"));
    }

    /**
     * A token's user name is the actor of what it does: one that reads as a name Warden gives its own credentials
     * (an API key's, the platform's) would write under that name, and was taken for that API key where a key is looked
     * up by its principal (a token named {@code api-key:<any id>} created agents under that name); one with a line
     * break would write a line of its own into logs.
     */
    @Test
    void aTokenWhoseUserNameReadsAsOneOfWardensOwnIsRefused() {
        Map<String, Object> claims = Map.of("org_id", tenant.orgId().toString(), "realm_access", Map.of("roles", List.of("admin")));
        for (String name : List.of("api-key:" + UUID.randomUUID(), " API-KEY:" + UUID.randomUUID(), "api-key:x",
                "instance:i-1", "enrollment-token:" + UUID.randomUUID(), "platform", "Platform", "platform-bootstrap-key",
                "api\uFF0Dkey:x".translateEscapes(), "al\nice".translateEscapes(), " ", "ecila\u202Ealice", "ad\u200Bmin")) {
            String token = Tenants.token(with(claims, "preferred_username", name));
            given().auth().oauth2(token).contentType(ContentType.JSON).body(AgentMother.triageAgent())
                    .post("/v1/agents").then().statusCode(401).body("error.code", equalTo("unauthorized"))
                    .body("error.message", containsString("user name"));
            given().auth().oauth2(token).get("/v1/agents").then().statusCode(401);
        }
        // Names that merely contain the words are users like any other
        for (String name : List.of("alice@example.com", "platform-team", "my-api-key:1", "instance")) {
            given().auth().oauth2(Tenants.token(with(claims, "preferred_username", name))).contentType(ContentType.JSON)
                    .body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                    .body("owner_id", equalTo(name));
        }
    }

    @Test
    void bearerTokensCarryOrganizationAndRolesFromTheirClaims() {
        String operator = tenant.token("operator");
        String admin = tenant.token("admin");

        String id = given().auth().oauth2(admin).contentType(ContentType.JSON).body(AgentMother.triageAgent())
                .post("/v1/agents").then().statusCode(201).body("owner_id", startsWith("alice-")).extract().path("id");
        given().auth().oauth2(operator).contentType(ContentType.JSON).body(AgentMother.deployment("img:v1"))
                .post("/v1/agents/" + id + "/deploy").then().statusCode(200).body("version", equalTo(1));
        given().auth().oauth2(operator).contentType(ContentType.JSON).body(AgentMother.triageAgent())
                .post("/v1/agents").then().statusCode(403);
        given().auth().oauth2(Tenants.token(Tenants.create().orgId().toString(), "admin"))
                .get("/v1/agents/" + id).then().statusCode(404);
    }

    @Test
    void tokensWithoutOrganizationOrWithUnknownRolesReachNothing() {
        // Each 403 says what is wrong with the token (it said "Your role does not allow this operation" of an admin)
        given().auth().oauth2(Tenants.token("not-a-uuid", "admin")).get("/v1/agents").then().statusCode(403)
                .body("error.message", equalTo("The token names no organization: its claim org_id is missing or not"
                        + " an organization's id"));
        given().auth().oauth2(tenant.token("superuser")).get("/v1/agents").then().statusCode(403)
                .body("error.message", equalTo("The token carries none of Warden's roles (admin, auditor, instance,"
                        + " operator, viewer) in its claim realm_access/roles"));
        given().auth().oauth2(tenant.token("viewer")).contentType(ContentType.JSON).body(AgentMother.triageAgent())
                .post("/v1/agents").then().statusCode(403)
                .body("error.message", equalTo("Your role does not allow this operation"));
        given().auth().oauth2(Tenants.token("", "platform-admin")).get("/v1/orgs").then().statusCode(200);
    }

    @Test
    void onlyTheConfiguredRolesClaimGrantsRoles() {
        String orgId = tenant.orgId().toString();
        given().auth().oauth2(Tenants.token(Map.of("org_id", orgId, "groups", List.of("admin", "platform-admin"))))
                .get("/v1/agents").then().statusCode(403);
        given().auth().oauth2(Tenants.token(Map.of("org_id", orgId, "groups", List.of("platform-admin"))))
                .get("/v1/orgs").then().statusCode(403);
        given().auth().oauth2(Tenants.token(Map.of("org_id", orgId, "scope", "admin", "roles", List.of("admin"))))
                .contentType(ContentType.JSON).body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(403);
        given().auth().oauth2(tenant.token("viewer")).get("/v1/agents").then().statusCode(200);
    }

    @Test
    void aPlatformAdminTokenReadsAndWritesNoOrganizationsDataWhateverElseItCarries() {
        String both = tenant.token("platform-admin", "admin");
        given().auth().oauth2(both).get("/v1/agents").then().statusCode(403)
                .body("error.message", startsWith("A platform administrator's token reads and writes no organization's data"));
        given().auth().oauth2(both).contentType(ContentType.JSON).body(AgentMother.triageAgent())
                .post("/v1/agents").then().statusCode(403);
        given().auth().oauth2(both).get("/v1/api-keys").then().statusCode(403);
        given().auth().oauth2(both).get("/v1/orgs/" + tenant.orgId()).then().statusCode(200)
                .body("id", equalTo(tenant.orgId().toString()));
    }

    @Test
    void aTokenWithAForgedSignatureIsA401() {
        String token = tenant.token("admin");
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();

        given().auth().oauth2(forged).get("/v1/agents").then().statusCode(401)
                .body("error.code", equalTo("unauthorized"));
    }

    /**
     * Published on creation and on each change of status, under the organization's own id: audit-service tells a
     * creation (created_at equals updated_at) from an enabling (later updated_at) by these fields alone.
     */
    @Test
    void organizationEventsArePublishedForEveryService() {
        Tenants.platform().post("/v1/orgs/" + tenant.orgId() + "/disable").then().statusCode(200);
        Tenants.platform().post("/v1/orgs/" + tenant.orgId() + "/enable").then().statusCode(200);
        List<JsonNode> events = Events.about(Topics.ACCESS, "org:" + tenant.orgId(), 3);

        events.forEach(event -> assertEquals(EventTypes.ORGANIZATION, event.path("type").asText()));
        events.forEach(event -> assertEquals(tenant.orgId().toString(), event.path("orgid").asText()));
        assertEquals(List.of("active", "disabled", "active"), events.stream().map(e -> e.at("/data/status").asText()).toList());
        JsonNode created = events.getFirst().get("data");
        assertEquals(created.get("created_at"), created.get("updated_at"));
        JsonNode enabled = events.get(2).get("data");
        assertTrue(Instant.parse(enabled.get("updated_at").asText()).isAfter(Instant.parse(enabled.get("created_at").asText())));
    }

    @Test
    void racingChangesOfAnOrganizationsStatusAreEachRecordedOnce() throws Exception {
        for (String change : List.of("disable", "enable")) {
            var requests = java.util.stream.IntStream.range(0, 10).mapToObj(i -> java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> Tenants.platform().post("/v1/orgs/" + tenant.orgId() + "/" + change).statusCode())).toList();
            for (var request : requests) {
                assertEquals(200, request.get());
            }
        }
        Tenants.platform().post("/v1/orgs/" + tenant.orgId() + "/disable").then().statusCode(200); // the marker
        // In order: created, one disabling, one enabling, then the marker; any repeat would come before the marker
        assertEquals(List.of("active", "disabled", "active", "disabled"), Events.about(Topics.ACCESS, "org:" + tenant.orgId(), 4)
                .stream().map(e -> e.at("/data/status").asText()).toList());
        Tenants.platform().post("/v1/orgs/" + tenant.orgId() + "/enable").then().statusCode(200);
    }

    @Test
    void anOrganizationsKeysAreInvisibleToOthers() {
        Tenant other = Tenants.create();
        String id = tenant.admin().get("/v1/api-keys").then().extract().path("api_keys[0].id");

        other.admin().delete("/v1/api-keys/" + id).then().statusCode(404);
        other.admin().get("/v1/api-keys").then().body("api_keys.id", not(hasItem(id)));
    }
}
