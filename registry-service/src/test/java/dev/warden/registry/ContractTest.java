package dev.warden.registry;

import dev.warden.registry.support.History;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.openapi.ApiContract;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

import static io.restassured.RestAssured.given;

/** A real answer of every operation, recorded under target/contract and checked against the document. */
@QuarkusTest
class ContractTest {

    @Test
    void everyOperationsRecordedAnswerMatchesTheDocument() {
        Path recordings = Path.of("target", "contract");
        TestOrg org = History.organization();
        String agent = History.knownAgent(org);
        ApiContract.of(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString())
                .at(URI.create(RestAssured.baseURI + ":" + RestAssured.port))
                .asOrgAdmin(Map.of("X-API-Key", org.key("admin")))
                .asPlatformAdmin(Map.of("X-API-Key", History.PLATFORM_KEY))
                // The registry shows only agents it learnt from warden.agents.v1.
                .knowing(Map.of("agent_id", agent, "id", agent))
                // The rebuild the contract starts (before any read) empties the projection until its replay is done;
                // the agent is asked for once it is back.
                .preparing("getRegistryAgent", () -> onceRebuilt("/v1/registry/agents/" + agent))
                .preparing("getDirectoryAgent", () -> onceRebuilt("/v1/directory/agents/" + agent))
                .record(recordings)
                .replay(recordings);
        History.awaitNoRebuildRunning();
    }

    private static ApiContract.Prepared onceRebuilt(String target) {
        History.awaitNoRebuildRunning();
        return new ApiContract.Prepared(target, null);
    }
}
