package dev.warden.audit;

import dev.warden.audit.support.AuditFixtures;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.openapi.ApiContract;
import org.awaitility.Awaitility;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static io.restassured.RestAssured.given;

/** A real answer of every operation, recorded under target/contract and checked against the document. */
@QuarkusTest
class ContractTest {

    @Test
    void everyOperationsRecordedAnswerMatchesTheDocument() {
        Path recordings = Path.of("target", "contract");
        TestOrg org = AuditFixtures.organization();
        String agent = AuditFixtures.knownAgent(org);
        ApiContract.of(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString())
                .at(URI.create(RestAssured.baseURI + ":" + RestAssured.port))
                .asOrgAdmin(Map.of("X-API-Key", org.key("admin")))
                // Actions and compliance packages are about agents audit-service learnt from warden.agents.v1.
                .knowing(Map.of("agent_id", agent))
                // An action is reported within its report window (24 hours); the generator's times are weeks old.
                .preparing("recordAgentActions", () -> new ApiContract.Prepared("/v1/audit/actions", """
                        {"agent_id": "%s", "actions": [{"connector": "jira", "action": "issues:create",
                         "status": "success", "occurred_at": "%s"}]}""".formatted(agent, Instant.now().minusSeconds(5))))
                // Asked again with the head unmoved: the checkpoint signed a moment before (200). The run's own actions
                // reach the chain from the broker: once one sign follows another unmoved, the head has settled.
                .preparing("signCheckpoint", "unmoved", () -> {
                    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> given()
                            .header("X-API-Key", org.key("admin")).post("/v1/audit/checkpoints").statusCode() == 200);
                    return new ApiContract.Prepared("/v1/audit/checkpoints", null);
                })
                .record(recordings)
                .replay(recordings);
    }
}
