package dev.warden.agent;

import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
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
        Tenant tenant = Tenants.create();
        OpenApiFuzzer.of(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString())
                .at(URI.create(RestAssured.baseURI + ":" + RestAssured.port))
                .asOrgAdmin(Map.of("X-API-Key", tenant.adminKey()))
                .asViewer(Map.of("X-API-Key", tenant.key("viewer")))
                .asPlatformAdmin(Map.of("X-API-Key", Tenants.PLATFORM_KEY))
                .run();
    }
}
