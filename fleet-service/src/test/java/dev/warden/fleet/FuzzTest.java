package dev.warden.fleet;

import dev.warden.fleet.support.FleetFixtures;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.openapi.OpenApiFuzzer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static io.restassured.RestAssured.given;

/** Every operation of the document, valid and malformed: no 5xx, every error in the shape, every 2xx as documented. */
@QuarkusTest
class FuzzTest {

    @Test
    void everyOperationAnswersAsDocumentedWhateverItIsSent() {
        TestOrg org = FleetFixtures.organization();
        OpenApiFuzzer.of(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString())
                .at(URI.create(RestAssured.baseURI + ":" + RestAssured.port))
                .asOrgAdmin(Map.of("X-API-Key", org.key("admin")))
                .asViewer(Map.of("X-API-Key", org.key("viewer")))
                // Instances are registered at /register, not at their list's path: name one, and one token.
                .knowing(Map.of("id", FleetFixtures.registerId(org, "fuzzed"),
                        "token_id", FleetFixtures.as(org, "admin").body(Map.of()).post("/v1/fleet/enrollment-tokens")
                                .then().statusCode(201).extract().path("data.id"),
                        "agent_id", FleetFixtures.knownAgent(org).toString()))
                .run();
    }
}
