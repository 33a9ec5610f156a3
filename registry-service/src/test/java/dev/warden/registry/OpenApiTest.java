package dev.warden.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.testing.OpenApiChecks;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static dev.warden.testing.OpenApiChecks.nullable;
import static dev.warden.testing.OpenApiChecks.served;
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
        JsonNode doc = served();
        OpenApiChecks.assertGeneratesWorkingClients(doc);
        OpenApiChecks.assertOperationIds(doc, Set.of("getRegistry", "listRegistryAgents", "getRegistryAgent",
                "listDirectoryAgents", "getDirectoryAgent", "startRegistryRebuild", "listRegistryRebuilds",
                "getRegistryRebuild"));
    }

    @Test
    void eachSeedKeepsItsCasingAndNullsAreSaid() {
        JsonNode schemas = served().path("components").path("schemas");
        assertEquals("camelCase", schemas.path("DirectoryListResponse").path("x-warden-casing").asText());
        assertTrue(schemas.path("DirectoryListResponse").path("properties").has("pageSize"));
        assertTrue(schemas.path("CatalogListResponse").path("properties").has("pagination"));
        assertTrue(schemas.path("RegistryAgent").path("properties").has("audit_action_count"));
        assertTrue(nullable(schemas.path("RegistryAgent").path("properties").path("last_activity")));
        assertTrue(nullable(schemas.path("DirectoryAgent").path("properties").path("realm")));
    }

    @Test
    void rebuildsArePlatformAdministrationAndAStartedOneIsA202OrA409() {
        JsonNode paths = served().path("paths");
        for (JsonNode op : List.of(paths.path("/v1/registry/rebuilds").path("post"), paths.path("/v1/registry/rebuilds").path("get"),
                paths.path("/v1/registry/rebuilds/{rebuild_id}").path("get"))) {
            op.path("security").forEach(scheme -> scheme.forEach(roles -> assertEquals("[\"platform-admin\"]", roles.toString())));
            assertEquals(2, op.path("security").size(), "a bearer token or an API key");
        }
        JsonNode start = paths.path("/v1/registry/rebuilds").path("post").path("responses");
        assertTrue(start.has("202") && start.has("409") && !start.has("200"));
    }
}
