package dev.warden.agent.support;

import dev.warden.events.Topics;
import dev.warden.tenancy.security.ApiKeys;
import dev.warden.testing.EventTap;
import dev.warden.testing.ThreadReport;
import dev.warden.testing.WardenInfra;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.smallrye.jwt.build.Jwt;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** Object Mother for organizations: each test makes its own, through the real API, so tests never share data. */
public final class Tenants {

    public static final String PLATFORM_KEY = "wdn_test_platform_admin_key_for_tests_only";
    /**
     * A creation that shows a secret: 201, or 202 when the broker did not carry it within the service's delivery
     * timeout (a loaded machine; the secret is shown and works once it does, which {@link #awaitUsable} waits for).
     */
    private static final org.hamcrest.Matcher<Integer> CREATED = org.hamcrest.Matchers.oneOf(201, 202);

    private Tenants() {
    }

    public record Tenant(UUID orgId, String adminKey) {

        public RequestSpecification as(String key) {
            return given().header("X-API-Key", key).contentType(ContentType.JSON);
        }

        public RequestSpecification admin() {
            return as(adminKey);
        }

        /** A new API key of this role, usable once this returns. */
        public String key(String role) {
            String secret = admin().body(Map.of("name", role + " key", "role", role))
                    .post("/v1/api-keys").then().statusCode(CREATED).extract().path("secret");
            awaitUsable(secret);
            return secret;
        }

        /** A bearer token signed by the test identity provider, with this org and these roles. */
        public String token(String... roles) {
            return Tenants.token(orgId.toString(), roles);
        }
    }

    public static Tenant create() {
        String name = "org-" + UUID.randomUUID();
        var created = given().header("X-API-Key", PLATFORM_KEY).contentType(ContentType.JSON)
                .body(Map.of("name", name)).post("/v1/orgs")
                .then().statusCode(CREATED).extract().jsonPath();
        Tenant tenant = new Tenant(UUID.fromString(created.getString("organization.id")),
                created.getString("admin_api_key.secret"));
        awaitUsable(tenant.adminKey());
        return tenant;
    }

    public static RequestSpecification platform() {
        return given().header("X-API-Key", PLATFORM_KEY).contentType(ContentType.JSON);
    }

    public static String token(String orgClaim, String... roles) {
        return token(Map.of("org_id", orgClaim, "realm_access", Map.of("roles", List.of(roles))));
    }

    /** A signed token with exactly these claims (besides user name, issuer and expiry). */
    public static String token(Map<String, Object> claims) {
        var builder = Jwt.preferredUserName("alice-" + UUID.randomUUID()).issuer("https://server.example.com");
        claims.forEach(builder::claim);
        return builder.expiresIn(Duration.ofMinutes(5)).sign();
    }

    /** Whether the key's event reached the broker, read there directly rather than through the service's connection. */
    private static String published(String secret) {
        String sha256 = ApiKeys.sha256(secret);
        try (EventTap tap = new EventTap(WardenInfra.kafkaBootstrapServers(), Topics.ACCESS)) {
            long found = tap.drain(Duration.ofSeconds(3)).stream().filter(r -> r.value() != null && r.value().contains(sha256)).count();
            return found > 0 ? "its event is on the broker" : "its event never reached the broker";
        } catch (RuntimeException | AssertionError e) {
            return "could not read " + Topics.ACCESS + ": " + e;
        }
    }

    /** API keys reach the service through warden.access.v1; wait until this one has. */
    static void awaitUsable(String secret) {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> given().header("X-API-Key", secret).get("/v1/agents?limit=1")
                            .statusCode() != 401);
        } catch (ConditionTimeoutException e) {
            // Where the way from the outbox to the access directory stood: the relay, the directory, Kafka's clients.
            // All on the first line, which is what a build's summary shows.
            throw new AssertionError("API key unusable after 30 s: " + published(secret) + "; "
                    + ThreadReport.summary("warden-") + "; " + WardenInfra.describeProxies() + "\n"
                    + ThreadReport.of("warden-", "kafka-producer", "kafka-admin", "kafka-coordinator"), e);
        }
    }
}
