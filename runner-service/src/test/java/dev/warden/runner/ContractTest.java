package dev.warden.runner;

import dev.warden.runner.support.RunnerFixtures;
import dev.warden.runner.support.TestImages;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.openapi.ApiContract;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

import static io.restassured.RestAssured.given;

/** A real answer of every operation, recorded under target/contract and checked against the document. */
@QuarkusTest
class ContractTest {

    @Test
    void everyOperationsRecordedAnswerMatchesTheDocument() {
        Path recordings = Path.of("target", "contract");
        TestOrg org = RunnerFixtures.organization();
        String agent = RunnerFixtures.agent(org, TestImages.HELLO);
        String execution = RunnerFixtures.as(org, "operator").post("/v1/agents/" + agent + "/run").then()
                .statusCode(200).extract().path("execution_id");
        ApiContract.of(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString())
                .at(URI.create(RestAssured.baseURI + ":" + RestAssured.port))
                .asOrgAdmin(Map.of("X-API-Key", org.key("admin")))
                .knowing(Map.of("agent_id", agent, "execution_id", execution))
                .record(recordings)
                .replay(recordings);
    }
}
