package dev.warden.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.testing.OpenApiChecks;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static dev.warden.testing.OpenApiChecks.nullable;
import static dev.warden.testing.OpenApiChecks.operation;
import static dev.warden.testing.OpenApiChecks.parameter;
import static dev.warden.testing.OpenApiChecks.schemaRef;
import static dev.warden.testing.OpenApiChecks.served;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Clients are generated from this document: it must describe the seed contract and both ways to authenticate. */
@QuarkusTest
class OpenApiTest {

    @Test
    void theDocumentDescribesTheAgentApiAndBothSecuritySchemes() {
        given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("Warden agent-service API"))
                .body("components.securitySchemes.bearer.scheme", equalTo("bearer"))
                .body("components.securitySchemes.apiKey.name", equalTo("X-API-Key"))
                .body("paths", hasKey("/v1/agents/{agent_id}/rollback"))
                .body("paths", hasKey("/v1/agents/{agent_id}/intent"))
                .body("paths", hasKey("/v1/policies/{policy_id}/agents/{agent_id}"))
                .body("paths.'/v1/agents'.post.responses.'201'", notNullValue())
                .body("components.schemas.Error.properties", hasKey("error"))
                .body("components.schemas.AgentSnapshot.properties", hasKey("declared_intent_digest"))
                // An unknown field of a body is a 400: a schema only requests use says so; one answers use stays open
                .body("components.schemas.CreateAgentRequest.additionalProperties", equalTo(false))
                .body("components.schemas.UpdateAgentRequest.additionalProperties", equalTo(false))
                .body("components.schemas.AgentSnapshot", not(hasKey("additionalProperties")))
                .body("components.schemas.RiskConfig", not(hasKey("additionalProperties")))
                .body("components.schemas.IntentRateLimit.required", equalTo(List.of("max_actions", "window_seconds")));
    }

    @Test
    void everyOperationIsNamedDocumentsItsSuccessAndTheSharedErrorsAndNoJavaTypeLeaks() {
        JsonNode doc = served();
        OpenApiChecks.assertGeneratesWorkingClients(doc);
        OpenApiChecks.assertOperationIds(doc, Set.of(
                "listAgents", "getAgent", "createAgent", "updateAgent", "deployAgent", "suspendAgent",
                "declareAgentIntent", "rollbackAgent", "listAgentVersions",
                "listConnectorBindings", "bindConnector", "getConnectorBinding", "unbindConnector",
                "listPolicies", "createPolicy", "getPolicy", "updatePolicy", "deletePolicy", "listPolicyVersions",
                "bindPolicyToAgent", "unbindPolicyFromAgent",
                "createApiKey", "listApiKeys", "getApiKey", "revokeApiKey",
                "createOrganization", "listOrganizations", "getOrganization", "disableOrganization",
                "enableOrganization", "setOutboundAllowList",
                "createRegistrationChallenge", "registerAgent", "listRegistrations", "approveRegistration",
                "rejectRegistration", "decideRegistrations", "listRegistrationRules", "createRegistrationRule", "getRegistrationRule",
                "deleteRegistrationRule", "getRegistrationSettings", "setRegistrationSettings",
                "listRealms", "getRealm", "createRealm", "updateRealm", "deleteRealm"));
    }

    @Test
    void successResponsesHaveTheirRealStatusAndSchema() {
        JsonNode doc = served();
        assertEquals("#/components/schemas/AgentSnapshot", schemaRef(operation(doc, "createAgent"), "201"));
        assertEquals("#/components/schemas/ConnectorBinding", schemaRef(operation(doc, "bindConnector"), "201"));
        assertEquals("#/components/schemas/Policy", schemaRef(operation(doc, "createPolicy"), "201"));
        assertEquals("#/components/schemas/ApiKeyResponse", schemaRef(operation(doc, "createApiKey"), "201"));
        assertEquals("#/components/schemas/CreateOrganizationResponse", schemaRef(operation(doc, "createOrganization"), "201"));
        assertEquals("#/components/schemas/AgentListResponse", schemaRef(operation(doc, "listAgents"), "200"));
        assertEquals("#/components/schemas/AgentSnapshot", schemaRef(operation(doc, "deployAgent"), "200"));
        for (String id : Set.of("deletePolicy", "unbindConnector")) {
            JsonNode responses = operation(doc, id).path("responses");
            assertTrue(responses.has("204"), id + " answers 204");
            assertFalse(responses.path("204").has("content"), id + " answers no content");
            assertFalse(responses.has("200"), id + " never answers 200");
        }
        for (String id : Set.of("createPolicy", "updatePolicy", "bindConnector", "createOrganization")) {
            assertEquals("#/components/responses/Conflict", operation(doc, id).path("responses").path("409").path("$ref").asText(), id);
        }
        assertTrue(operation(doc, "listAgents").path("security").toString().contains("bearer"), "bearer tokens are accepted");
    }

    @Test
    void schemasSayWhatMayBeNullAndWhatTheFreeFormFieldsAre() {
        JsonNode schemas = served().path("components").path("schemas");
        for (String list : Set.of("AgentListResponse", "VersionListResponse", "ConnectorListResponse", "PolicyListResponse",
                "ApiKeyListResponse", "OrganizationListResponse")) {
            assertTrue(nullable(schemas.path(list).path("properties").path("next_cursor")), list + ".next_cursor");
        }
        JsonNode agent = schemas.path("AgentSnapshot").path("properties");
        for (String field : Set.of("description", "image_uri", "declared_intent", "declared_intent_signed_by",
                "declared_intent_signed_at", "declared_intent_digest")) {
            assertTrue(nullable(agent.path(field)), "AgentSnapshot." + field);
        }
        assertFalse(nullable(agent.path("name")), "AgentSnapshot.name is never null");
        assertTrue(nullable(schemas.path("Policy").path("properties").path("description")), "Policy.description");
        assertTrue(nullable(schemas.path("ConnectorBinding").path("properties").path("config")), "ConnectorBinding.config");
        for (String schema : Set.of("Policy", "PolicyVersion", "CreatePolicyRequest", "UpdatePolicyRequest")) {
            JsonNode rules = schemas.path(schema).path("properties").path("rules");
            // The patch's may be null too (left out): ["array", "null"]
            assertTrue(rules.path("type").asText().equals("array") || rules.path("type").toString().equals("[\"array\",\"null\"]"),
                    schema + ".rules is an array");
            assertEquals("object", rules.path("items").path("type").asText(), schema + ".rules holds objects");
        }
        assertEquals("object", schemas.path("CreateAgentRequest").path("properties").path("metadata").path("type").asText());
        // What the service refuses otherwise (a 400 "must be an object"), in the create as in the patch
        assertEquals("object", schemas.path("McpIntegration").path("properties").path("mcp_capabilities").path("type").asText());
        assertEquals("[\"entries\"]", schemas.path("OutboundAllowList").path("required").toString());
        assertEquals("[\"name\",\"role\"]", schemas.path("CreateApiKeyRequest").path("required").toString());
        assertFalse(schemas.path("UpdateAgentRequest").path("properties").has("empty"), "no Java helper is a field");
        assertFalse(schemas.path("UpdatePolicyRequest").path("properties").has("empty"), "no Java helper is a field");
    }

    @Test
    void theChangesThatTakeAnIdempotencyKeySaySo() {
        JsonNode doc = served();
        for (String id : Set.of("createAgent", "deployAgent", "rollbackAgent")) {
            boolean documented = false;
            for (JsonNode parameter : operation(doc, id).path("parameters")) {
                documented |= "Idempotency-Key".equals(parameter.path("name").asText())
                        && "header".equals(parameter.path("in").asText())
                        && !parameter.path("required").asBoolean(false);
            }
            assertTrue(documented, id + " documents its optional Idempotency-Key header");
        }
    }

    @Test
    void answeredFieldsAreRequiredAndCheckedParametersSayTheirType() {
        JsonNode doc = served();
        JsonNode schemas = doc.path("components").path("schemas");
        assertTrue(schemas.path("AgentSnapshot").path("required").toString().contains("\"description\""), "present, if null");
        assertTrue(schemas.path("AgentListResponse").path("required").toString().contains("\"next_cursor\""));
        assertFalse(schemas.path("ApiKeyResponse").path("required").toString().contains("secret"), "only on creation");
        assertFalse(schemas.path("ApiKeyResponse").path("required").toString().contains("expires_at"), "left out when none");
        assertFalse(schemas.path("RiskConfig").has("required"), "requests use it too, and may leave fields out");
        assertTrue(nullable(schemas.path("Notifications").path("properties").path("webhook_url")), "Notifications.webhook_url");
        assertEquals("#/components/schemas/AgentStatus", parameter(operation(doc, "listAgents"), "status").path("$ref").asText());
        assertEquals("integer", parameter(operation(doc, "rollbackAgent"), "target_version").path("type").asText());
        assertEquals("uuid", parameter(operation(doc, "listPolicies"), "agent_id").path("format").asText());
        // A limit says its bounds, so a generated client can check them: PageRequest's, or the list's own
        assertEquals(500, parameter(operation(doc, "listAgents"), "limit").path("maximum").asInt());
        // seed 001 lists every agent and version: no default page, so a generated client sends no limit by itself
        for (String id : Set.of("listAgents", "listAgentVersions")) {
            assertFalse(parameter(operation(doc, id), "limit").has("default"), id);
            assertEquals(500, parameter(operation(doc, id), "limit").path("maximum").asInt(), id);
        }
        assertEquals(100, parameter(operation(doc, "listPolicies"), "limit").path("default").asInt());
        assertEquals(1000, parameter(operation(doc, "listRegistrations"), "limit").path("maximum").asInt());
        assertEquals(1000, parameter(operation(doc, "listRegistrations"), "limit").path("default").asInt());
        for (String id : Set.of("createAgent", "updatePolicy", "createOrganization")) {
            JsonNode responses = operation(doc, id).path("responses");
            assertEquals("#/components/responses/PayloadTooLarge", responses.path("413").path("$ref").asText(), id);
            assertEquals("#/components/responses/UnsupportedMediaType", responses.path("415").path("$ref").asText(), id);
        }
        assertFalse(operation(doc, "getAgent").path("responses").has("415"), "no body, no 415");
    }

    @Test
    void seed004ShapesKeepTheSeedsCamelCaseInTheDocument() {
        JsonNode doc = served();
        JsonNode schemas = doc.path("components").path("schemas");
        // The seed's fields, and beyond the seed: agentType asked for, status answered.
        assertEquals(Set.of("name", "version", "capabilities", "publicKey", "challenge", "signature", "agentType"),
                names(schemas.path("RegisterRequest")));
        assertEquals(Set.of("agentId", "message", "status"), names(schemas.path("RegisterResponse")));
        assertEquals(Set.of("challenge", "expiresAt"), names(schemas.path("ChallengeResponse")));
        // The seed's two fields required; beyond the seed, nextCursor only while a next page exists (so not required).
        assertEquals(Set.of("registrations", "availableCapabilities", "nextCursor"), names(schemas.path("RegistrationListResponse")));
        Set<String> required = new java.util.TreeSet<>();
        schemas.path("RegistrationListResponse").path("required").forEach(n -> required.add(n.asText()));
        assertEquals(Set.of("registrations", "availableCapabilities"), required);
        assertEquals(Set.of("id", "name", "publicKey", "requestedCapabilities", "requestedAt", "expiresAt", "agentType",
                "riskScore"), names(schemas.path("RegistrationItem")));
        assertEquals(Set.of("success", "agentId"), names(schemas.path("ApproveResponse")));
        assertEquals("camelCase", schemas.path("RegisterRequest").path("x-warden-casing").asText(), "marked as the seed's casing");
        assertFalse(schemas.path("AgentSnapshot").has("x-warden-casing"), "everything else is snake_case");
        assertEquals("#/components/schemas/RegisterResponse", schemaRef(operation(doc, "registerAgent"), "201"));
        assertEquals("#/components/responses/Conflict", operation(doc, "registerAgent").path("responses").path("409").path("$ref").asText());
        assertTrue(doc.path("paths").has("/v1/agents/register"), "the literal path, beside /v1/agents/{agent_id}");
        assertTrue(schemas.path("AgentSnapshot").path("properties").has("granted_capabilities"), "the agent stays snake_case");
        assertTrue(nullable(schemas.path("AgentSnapshot").path("properties").path("did")), "AgentSnapshot.did");
    }

    private static Set<String> names(JsonNode schema) {
        Set<String> names = new java.util.TreeSet<>();
        schema.path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }
}
