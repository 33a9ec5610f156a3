package dev.warden.agent.access;

import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/**
 * The identity provider out of reach (here: nothing listens where its discovery is): a bearer token cannot be checked,
 * and the caller is told to retry (503 with {@code Retry-After}, in the error shape), not that its token is bad and not
 * an internal error; API keys, checked locally, go on working.
 */
@QuarkusTest
@TestProfile(IdentityProviderOutageTest.Unreachable.class)
class IdentityProviderOutageTest {

    public static class Unreachable implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            int closed;
            try (ServerSocket socket = new ServerSocket(0)) {
                closed = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quarkus.oidc.auth-server-url", "http://127.0.0.1:" + closed + "/realms/quarkus");
        }
    }

    @Test
    void aBearerTokenIsA503ToRetryWhileTheProviderIsUnreachableAndApiKeysStillWork() {
        Tenant tenant = Tenants.create();
        given().header("Authorization", "Bearer " + tenant.token("admin")).get("/v1/agents").then()
                .statusCode(503).header("Retry-After", "5")
                .body("error.code", equalTo("service_unavailable"))
                .body("error.message", equalTo("The identity provider is unavailable; try again later"));
        tenant.admin().get("/v1/agents").then().statusCode(200);
    }
}
