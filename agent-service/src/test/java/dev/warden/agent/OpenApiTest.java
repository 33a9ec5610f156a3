package dev.warden.agent;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.notNullValue;

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
                .body("components.schemas.AgentSnapshot.properties", hasKey("declared_intent_digest"));
    }
}
