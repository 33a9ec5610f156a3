package dev.warden.runner;

import dev.warden.runner.support.RunnerFixtures;
import dev.warden.runner.support.TestImages;
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
        TestOrg org = RunnerFixtures.organization();
        // Its image is not in the engine: each valid run is a quick, recorded error, so thousands of cases stay fast.
        String agent = RunnerFixtures.agent(org, TestImages.MISSING);
        String execution = RunnerFixtures.as(org, "operator").post("/v1/agents/" + agent + "/run").then()
                .statusCode(200).extract().path("execution_id");
        OpenApiFuzzer.of(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString())
                .at(URI.create(RestAssured.baseURI + ":" + RestAssured.port))
                .asOrgAdmin(Map.of("X-API-Key", org.key("admin")))
                .asViewer(Map.of("X-API-Key", org.key("viewer")))
                .knowing(Map.of("agent_id", agent, "execution_id", execution))
                .run();
    }
}
