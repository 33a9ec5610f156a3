package dev.warden.fleet;

import dev.warden.fleet.support.FleetFixtures;
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
        TestOrg org = FleetFixtures.organization();
        ApiContract.of(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString())
                .at(URI.create(RestAssured.baseURI + ":" + RestAssured.port))
                .asOrgAdmin(Map.of("X-API-Key", org.key("admin")))
                .knowing(Map.of("id", FleetFixtures.registerId(org, "contracted"),
                        "token_id", FleetFixtures.as(org, "admin").body(Map.of()).post("/v1/fleet/enrollment-tokens")
                                .then().statusCode(201).extract().path("data.id")))
                .record(recordings)
                .replay(recordings);
    }
}
