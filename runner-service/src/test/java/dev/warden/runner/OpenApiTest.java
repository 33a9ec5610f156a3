package dev.warden.runner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.testing.OpenApiChecks;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static dev.warden.testing.OpenApiChecks.nullable;
import static dev.warden.testing.OpenApiChecks.operation;
import static dev.warden.testing.OpenApiChecks.served;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class OpenApiTest {

    @Test
    void theDocumentDescribesTheRunnerApiAndBothSecuritySchemes() {
        given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("Warden runner-service API"))
                .body("components.securitySchemes", hasKey("bearer"))
                .body("components.securitySchemes.apiKey.name", equalTo("X-API-Key"))
                .body("paths", hasKey("/v1/agents/{agent_id}/run"))
                .body("paths", hasKey("/v1/agents/{agent_id}/executions"))
                .body("paths", hasKey("/v1/executions/{execution_id}"));
    }

    @Test
    void everyOperationIsNamedDocumentsItsSuccessAndTheSharedErrorsAndNoJavaTypeLeaks() {
        JsonNode doc = served();
        OpenApiChecks.assertGeneratesWorkingClients(doc);
        OpenApiChecks.assertOperationIds(doc, Set.of("runAgent", "listAgentExecutions", "getExecution", "streamExecutionLogs"));
        JsonNode run = operation(doc, "runAgent").path("responses");
        for (String status : Set.of("200", "202", "400", "403", "404", "429", "503")) {
            assertTrue(run.has(status), "runAgent documents " + status);
        }
        assertEquals("#/components/schemas/Execution",
                run.path("200").path("content").path("application/json").path("schema").path("$ref").asText());
    }

    @Test
    void schemasSayWhatMayBeNull() {
        JsonNode schemas = served().path("components").path("schemas");
        JsonNode execution = schemas.path("Execution").path("properties");
        for (String field : Set.of("exit_code", "duration_ms", "image_digest", "error", "finished_at")) {
            assertTrue(nullable(execution.path(field)), "Execution." + field);
        }
        assertTrue(schemas.path("Outcome").path("enum").toString().contains("oom"), schemas.path("Outcome").toString());
    }
}
