package dev.warden.audit;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;

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
                .body("paths", hasKey("/v1/compliance/{package_id}"));
    }
}
