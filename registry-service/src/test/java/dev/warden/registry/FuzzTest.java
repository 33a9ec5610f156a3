package dev.warden.registry;

import dev.warden.registry.support.History;
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
        TestOrg org = History.organization();
        OpenApiFuzzer.of(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString())
                .at(URI.create(RestAssured.baseURI + ":" + RestAssured.port))
                .asOrgAdmin(Map.of("X-API-Key", org.key("admin")))
                .asViewer(Map.of("X-API-Key", org.key("viewer")))
                // Rebuilds start for real, between the other cases: every view must answer during one too.
                .asPlatformAdmin(Map.of("X-API-Key", History.PLATFORM_KEY))
                .knowing(Map.of("agent_id", History.knownAgent(org), "id", History.knownAgent(org)))
                .run();
        History.awaitNoRebuildRunning();
    }
}
