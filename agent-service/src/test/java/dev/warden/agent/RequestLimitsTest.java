package dev.warden.agent;

import dev.warden.agent.support.Tenants;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * warden-api's RequestLimits, as every service has them: a URI over 4,096 characters is a 414 and header lines over
 * 16 KB a 431, both in the error shape (the body's 413 is in BadInputTest), while requests under the limits pass.
 */
@QuarkusTest
class RequestLimitsTest {

    @Test
    void aUriOverTheLimitIsA414InTheErrorShape() {
        String path = "/v1/agents/";
        errorShape(given().urlEncodingEnabled(false).get(path + "a".repeat(4096 - path.length() + 1)).then(), 414)
                .body("error.code", equalTo("uri_too_long"))
                .body("error.message", containsString("4096"));
        // At the limit the request goes on, to the authentication it lacks.
        given().urlEncodingEnabled(false).get(path + "a".repeat(4096 - path.length())).then().statusCode(401);
    }

    @Test
    void headersOverTheLimitAreA431InTheErrorShape() {
        errorShape(given().header("X-Big", "b".repeat(16 * 1024)).get("/v1/agents").then(), 431)
                .body("error.code", equalTo("headers_too_large"));
        // The header that got an empty 431 from the gateway before is under the limit now.
        Tenants.create().admin().header("X-Big", "b".repeat(9_000)).get("/v1/agents").then().statusCode(200);
    }

    @Test
    void aChunkedBodyThatGrowsPastTheLimitIsA413InTheErrorShapeAndOneUnderItIsRead() throws Exception {
        var tenant = Tenants.create();
        HttpResponse<String> tooLarge = postChunked(tenant.adminKey(),
                "{\"name\": \"" + "x".repeat(1024 * 1024) + "\", \"runtime\": \"docker\"}");
        assertEquals(413, tooLarge.statusCode(), tooLarge.body());
        assertEquals("application/json", tooLarge.headers().firstValue("Content-Type").orElse(""));
        assertTrue(tooLarge.body().contains("\"code\":\"payload_too_large\""), tooLarge.body());

        HttpResponse<String> created = postChunked(tenant.adminKey(),
                "{\"name\": \"chunked-" + System.nanoTime() + "\", \"runtime\": \"docker\", \"description\": \"sent chunked\"}");
        assertEquals(201, created.statusCode(), created.body());
        assertTrue(created.body().contains("\"description\":\"sent chunked\""), created.body());
    }

    /** A body of unknown length: HTTP/1.1 sends it chunked, with no Content-Length. */
    private static HttpResponse<String> postChunked(String key, String json) throws Exception {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v1/agents"))
                .header("X-API-Key", key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    private static ValidatableResponse errorShape(ValidatableResponse response, int status) {
        return response.statusCode(status)
                .contentType(containsString("application/json"))
                .body("error.message", org.hamcrest.Matchers.not(equalTo(null)))
                .body("error.details", empty());
    }
}
