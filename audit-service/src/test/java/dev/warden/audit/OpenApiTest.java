package dev.warden.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.testing.OpenApiChecks;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static dev.warden.testing.OpenApiChecks.nullable;
import static dev.warden.testing.OpenApiChecks.operation;
import static dev.warden.testing.OpenApiChecks.parameter;
import static dev.warden.testing.OpenApiChecks.schemaRef;
import static dev.warden.testing.OpenApiChecks.served;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class OpenApiTest {

    @Test
    void theDocumentDescribesTheAuditApiAndBothSecuritySchemes() {
        given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("Warden audit-service API"))
                .body("components.securitySchemes", hasKey("bearer"))
                .body("components.securitySchemes.apiKey.name", equalTo("X-API-Key"))
                .body("paths", hasKey("/v1/audit/verify"))
                .body("paths", hasKey("/v1/audit/actions"))
                .body("paths", hasKey("/v1/drift-events"))
                .body("paths", hasKey("/v1/compliance/{package_id}"))
                // The limits the resource enforces (Schemathesis sent what the document allowed and got a 400)
                .body("paths.'/v1/audit'.get.parameters.find { it.name == 'offset' }.schema.maximum", equalTo(1000000));
    }

    @Test
    void everyOperationIsNamedDocumentsItsSuccessAndTheSharedErrorsAndNoJavaTypeLeaks() {
        JsonNode doc = served();
        OpenApiChecks.assertGeneratesWorkingClients(doc);
        OpenApiChecks.assertOperationIds(doc, Set.of(
                "recordAgentActions", "listAuditEntries", "verifyAuditChain", "exportAuditChain", "listCheckpoints", "getCheckpoint",
                "signCheckpoint", "getPublicKey", "createCompliancePackage", "downloadCompliancePackage", "getCompliancePackage", "listDriftEvents",
                "startChainVerification", "getChainVerification"));
    }

    @Test
    void successResponsesHaveTheirRealStatusAndSchema() {
        JsonNode doc = served();
        assertEquals("#/components/schemas/Accepted", schemaRef(operation(doc, "recordAgentActions"), "202"));
        assertEquals("#/components/schemas/CompliancePackage", schemaRef(operation(doc, "createCompliancePackage"), "202"));
        assertEquals("#/components/schemas/Checkpoint", schemaRef(operation(doc, "signCheckpoint"), "201"));
        assertEquals("#/components/schemas/Verification", schemaRef(operation(doc, "verifyAuditChain"), "200"));
        JsonNode download = operation(doc, "getCompliancePackage").path("responses");
        assertEquals("#/components/schemas/CompliancePackage", schemaRef(operation(doc, "getCompliancePackage"), "200"));
        assertEquals("binary", download.path("200").path("content").path("application/zip").path("schema").path("format").asText());
        assertEquals("#/components/responses/Conflict", download.path("409").path("$ref").asText());
        JsonNode publicKey = operation(doc, "getPublicKey");
        assertFalse(publicKey.path("responses").has("401"), "the public key is public");
        assertTrue(publicKey.path("security").toString().contains("{}"), "the public key needs no credentials");
        // A kept key by its id (after a rotation, the one that signed an older checkpoint): 404 for an unknown id
        assertEquals("^[0-9a-f]{16}$", parameter(publicKey, "key_id").path("pattern").asText());
        assertEquals("#/components/responses/NotFound", publicKey.path("responses").path("404").path("$ref").asText());
        assertTrue(publicKey.path("responses").has("400"), "a malformed key_id is a 400");
        assertTrue(schemaRef(publicKey, "200").startsWith("#/components/schemas/"), publicKey.toString());
        assertTrue(operation(doc, "listAuditEntries").path("responses").has("401"));
    }

    @Test
    void schemasSayWhatMayBeNull() {
        JsonNode schemas = served().path("components").path("schemas");
        for (String page : Set.of("AuditPage", "CheckpointPage", "DriftPage")) {
            assertTrue(nullable(schemas.path(page).path("properties").path("next_cursor")), page + ".next_cursor");
        }
        JsonNode verification = schemas.path("Verification").path("properties");
        for (String field : Set.of("first_invalid_sequence", "reason", "checkpoint")) {
            assertTrue(nullable(verification.path(field)), "Verification." + field);
        }
        JsonNode pkg = schemas.path("CompliancePackage").path("properties");
        for (String field : Set.of("completed_at", "error", "content", "signature", "key_id")) {
            assertTrue(nullable(pkg.path(field)), "CompliancePackage." + field);
        }
        assertTrue(nullable(schemas.path("AuditEntry").path("properties").path("inputs_hash")), "AuditEntry.inputs_hash");
        assertFalse(nullable(schemas.path("AuditEntry").path("properties").path("hash")), "AuditEntry.hash is never null");
    }

    @Test
    void answeredFieldsAreRequiredAndCheckedParametersAndBodiesSayTheirType() {
        JsonNode doc = served();
        JsonNode schemas = doc.path("components").path("schemas");
        assertTrue(schemas.path("AuditEntry").path("required").toString().contains("\"inputs_hash\""), "present, if null");
        assertTrue(schemas.path("CompliancePackage").path("required").toString().contains("\"completed_at\""));
        assertTrue(schemas.path("ErrorBody").path("required").toString().contains("\"details\""));
        assertEquals("[\"agent_id\",\"actions\"]", schemas.path("RecordActionsRequest").path("required").toString());
        assertTrue(schemas.path("ActionItem").path("properties").path("status").path("enum").toString().contains("denied"));
        assertEquals("[\"agent_id\",\"from\",\"to\"]", schemas.path("CreatePackageRequest").path("required").toString());
        assertTrue(parameter(operation(doc, "listDriftEvents"), "drift_type").path("enum").toString().contains("frequency_exceeded"));
        assertTrue(parameter(operation(doc, "getCompliancePackage"), "format").path("enum").toString().contains("zip"));
        assertEquals("date-time", parameter(operation(doc, "listAuditEntries"), "from").path("format").asText());
        assertEquals("integer", parameter(operation(doc, "verifyAuditChain"), "from").path("type").asText());
        assertEquals(1000, parameter(operation(doc, "listAuditEntries"), "limit").path("maximum").asInt());
        assertEquals(100, parameter(operation(doc, "listAuditEntries"), "limit").path("default").asInt());
        assertEquals(500, parameter(operation(doc, "listDriftEvents"), "limit").path("maximum").asInt());
    }
}
