package dev.warden.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.testing.OpenApiChecks;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.warden.testing.OpenApiChecks.nullable;
import static dev.warden.testing.OpenApiChecks.operation;
import static dev.warden.testing.OpenApiChecks.schemaRef;
import static dev.warden.testing.OpenApiChecks.served;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class OpenApiTest {

    @Test
    void theDocumentDescribesTheFleetApiAndBothSecuritySchemes() {
        given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("Warden fleet-service API"))
                .body("components.securitySchemes", hasKey("bearer"))
                .body("components.securitySchemes.apiKey.name", equalTo("X-API-Key"))
                .body("paths", hasKey("/v1/fleet/agents"))
                .body("paths", hasKey("/v1/fleet/agents/register"))
                .body("paths", hasKey("/v1/fleet/agents/{id}/heartbeat"))
                .body("paths", hasKey("/v1/fleet/enrollment-tokens"))
                // An instance's heartbeat and an enrolment token's registration are bearer credentials of their own: an
                // API key of the instance role is refused there (403), and no API key is an enrollee
                .body("paths.'/v1/fleet/agents/{id}/heartbeat'.post.security", equalTo(List.of(
                        Map.of("bearer", List.of("operator", "instance")), Map.of("apiKey", List.of("operator")))))
                .body("paths.'/v1/fleet/agents/{id}/policies'.get.security", equalTo(List.of(
                        Map.of("bearer", List.of("viewer", "instance")), Map.of("apiKey", List.of("viewer")))))
                .body("paths.'/v1/fleet/agents/register'.post.security", equalTo(List.of(
                        Map.of("bearer", List.of("operator", "enrollee")), Map.of("apiKey", List.of("operator")))))
                .body("paths.'/v1/fleet/agents/register'.post", not(hasKey("x-warden-bearer-only-roles")));
    }

    @Test
    void everyOperationIsNamedDocumentsItsSuccessAndNoJavaTypeLeaks() {
        JsonNode doc = served();
        OpenApiChecks.assertGeneratesWorkingClients(doc);
        OpenApiChecks.assertOperationIds(doc, Set.of("registerFleetInstance", "sendFleetHeartbeat",
                "deregisterFleetInstance", "listFleetInstances", "getFleetInstance", "createEnrollmentToken", "listEnrollmentTokens",
                "revokeEnrollmentToken", "fetchFleetInstancePolicies"));
        assertEquals("#/components/schemas/RegisteredInstanceEnvelope", schemaRef(operation(doc, "registerFleetInstance"), "201"));
        assertEquals("#/components/schemas/EnrollmentTokenEnvelope", schemaRef(operation(doc, "createEnrollmentToken"), "201"));
        assertEquals("#/components/schemas/HeartbeatEnvelope", schemaRef(operation(doc, "sendFleetHeartbeat"), "200"));
        // Seed 003's heartbeat fields are all optional, the body too: a generated client must not insist on one
        assertFalse(operation(doc, "sendFleetHeartbeat").path("requestBody").path("required").asBoolean(false));
        assertEquals("#/components/schemas/FleetInstanceList", schemaRef(operation(doc, "listFleetInstances"), "200"));
        assertEquals("#/components/schemas/InstancePoliciesEnvelope", schemaRef(operation(doc, "fetchFleetInstancePolicies"), "200"));
    }

    /** What a probe's strict client met: every fleet error carries seed 003's {@code ok: false}, and the document says so. */
    @Test
    void everyErrorIsDocumentedInTheEnvelopeItIsAnsweredIn() {
        JsonNode doc = served();
        doc.path("components").path("responses").fields().forEachRemaining(response -> assertEquals(
                "#/components/schemas/FleetError",
                response.getValue().path("content").path("application/json").path("schema").path("$ref").asText(),
                response.getKey()));
        JsonNode error = doc.path("components").path("schemas").path("FleetError");
        assertEquals("[\"ok\",\"error\"]", error.path("required").toString());
        // A plain boolean: an enum of false made openapi-generator's Python models refuse every fleet error
        assertEquals("boolean", error.path("properties").path("ok").path("type").asText());
        assertTrue(error.path("properties").path("ok").path("enum").isMissingNode());
        assertTrue(doc.path("components").path("schemas").path("Error").isMissingNode(), "no error shape fleet never answers");
        String unknown = given().header("X-API-Key", "wdn_unknown").get("/v1/fleet/agents").then().statusCode(401)
                .body("ok", equalTo(false)).body("error.code", equalTo("unauthorized")).extract().asString();
        assertTrue(unknown.startsWith("{\"ok\":false,\"error\":"), unknown);
    }

    @Test
    void seedFieldsKeepTheirCasingAndSayWhatMayBeNull() {
        JsonNode schemas = served().path("components").path("schemas");
        JsonNode detail = schemas.path("FleetInstanceDetail").path("properties");
        for (String field : Set.of("cpu", "memory", "uptime", "activePolicyVersion", "agentId")) {
            assertTrue(nullable(detail.path(field)), "FleetInstanceDetail." + field);
        }
        for (String field : Set.of("lastHeartbeat", "registeredAt", "recentThreats")) {
            assertTrue(detail.has(field), field);
        }
        assertTrue(schemas.path("HeartbeatAck").path("properties").has("pendingPolicies"));
        assertEquals("[\"hostname\",\"os\",\"version\"]", schemas.path("RegisterInstanceRequest").path("required").toString());
        assertTrue(nullable(schemas.path("FleetInstanceList").path("properties").path("nextCursor")));
    }
}
