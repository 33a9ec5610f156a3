package dev.warden.registry;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;

/** The registry benchmark's static baseline exists only where the benchmark configures it: never by default. */
@QuarkusTest
class StaticJsonBaselineTest {

    @Test
    void theBenchmarkBaselineIsAbsentUnlessConfigured() {
        given().get("/bench/static-json").then().statusCode(404);
    }
}
