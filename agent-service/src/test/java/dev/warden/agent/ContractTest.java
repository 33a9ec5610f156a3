package dev.warden.agent;

import dev.warden.agent.support.Tenants;
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
        ApiContract.of(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString())
                .at(URI.create(RestAssured.baseURI + ":" + RestAssured.port))
                .asOrgAdmin(Map.of("X-API-Key", Tenants.create().adminKey()))
                .asPlatformAdmin(Map.of("X-API-Key", Tenants.PLATFORM_KEY))
                .record(recordings)
                .replay(recordings);
    }
}
