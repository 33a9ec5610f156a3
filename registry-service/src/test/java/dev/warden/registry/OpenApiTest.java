package dev.warden.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.testing.OpenApiChecks;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static dev.warden.testing.OpenApiChecks.nullable;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class OpenApiTest {

    @Test
    void theDocumentDescribesTheThreeSeedsViews() {
        given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("Warden registry-service API"))
                .body("components.securitySchemes.apiKey.name", equalTo("X-API-Key"))
                .body("paths", hasKey("/v1/registry"))
                .body("paths", hasKey("/v1/registry/agents/{agent_id}"))
                .body("paths", hasKey("/v1/directory/agents/{id}"));
    }

    @Test
    void everyOperationIsNamedDocumentsItsSuccessAndTheSharedErrorsAndNoJavaTypeLeaks() {
        JsonNode doc = document();
        OpenApiChecks.assertGeneratesWorkingClients(doc);
        OpenApiChecks.assertOperationIds(doc, Set.of("getRegistry", "listRegistryAgents", "getRegistryAgent",
                "listDirectoryAgents", "getDirectoryAgent"));
    }

    @Test
    void eachSeedKeepsItsCasingAndNullsAreSaid() {
        JsonNode schemas = document().path("components").path("schemas");
        assertEquals("camelCase", schemas.path("DirectoryListResponse").path("x-warden-casing").asText());
        assertTrue(schemas.path("DirectoryListResponse").path("properties").has("pageSize"));
        assertTrue(schemas.path("CatalogListResponse").path("properties").has("pagination"));
        assertTrue(schemas.path("RegistryAgent").path("properties").has("audit_action_count"));
        assertTrue(nullable(schemas.path("RegistryAgent").path("properties").path("last_activity")));
        assertTrue(nullable(schemas.path("DirectoryAgent").path("properties").path("realm")));
    }

    private static JsonNode document() {
        return OpenApiChecks.read(given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .extract().asString());
    }
}
