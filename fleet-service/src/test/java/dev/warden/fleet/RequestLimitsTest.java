package dev.warden.fleet;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/** warden-api's RequestLimits on fleet paths answer in seed 003's envelope, like every other fleet error. */
@QuarkusTest
class RequestLimitsTest {

    @Test
    void refusalsMadeBeforeAnyResourceCarryTheSeedsOkField() {
        given().urlEncodingEnabled(false).get("/v1/fleet/agents?q=" + "a".repeat(4100)).then().statusCode(414)
                .body("ok", equalTo(false)).body("error.code", equalTo("uri_too_long"));
        given().header("X-Big", "b".repeat(16 * 1024)).get("/v1/fleet/agents").then().statusCode(431)
                .body("ok", equalTo(false)).body("error.code", equalTo("headers_too_large"));
        given().urlEncodingEnabled(false).get("/v1/fleet/agents/%2e%2e/%2e%2e/q/metrics").then().statusCode(400)
                .body("ok", equalTo(false)).body("error.code", equalTo("bad_request"));
        given().urlEncodingEnabled(false).get("/v1/fleet/agents;status=offline").then().statusCode(400)
                .body("ok", equalTo(false)).body("error.code", equalTo("bad_request"));
        // Elsewhere the plain shape
        given().urlEncodingEnabled(false).get("/q/health?x=" + "a".repeat(4100)).then().statusCode(414)
                .body("ok", nullValue()).body("error.code", equalTo("uri_too_long"));
    }
}
