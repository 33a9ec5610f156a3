package dev.warden.runner.execution;

import dev.warden.runner.support.RunnerFixtures;
import dev.warden.runner.support.TestImages;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.warden.runner.support.RunnerFixtures.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/** Without a container engine the service still starts: runs are a 503 in the error shape, everything else works. */
@QuarkusTest
@TestProfile(NoEngineTest.WithoutEngine.class)
class NoEngineTest {

    public static class WithoutEngine implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("warden.runner.engine", "none");
        }
    }

    @Test
    void aRunIs503WithRetryAfterAndNothingIsRecorded() {
        TestOrg org = RunnerFixtures.organization();
        String agent = RunnerFixtures.agent(org, TestImages.HELLO);

        as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(503)
                .header("Retry-After", notNullValue())
                .body("error.code", equalTo("service_unavailable"))
                .body("error.message", equalTo("The container engine is unavailable; try again later"));
        as(org, "viewer").get("/v1/agents/" + agent + "/executions").then().statusCode(200).body("total", equalTo(0));
        // The checks that need no engine still answer first.
        as(org, "operator").post("/v1/agents/" + RunnerFixtures.agent(org, TestImages.HELLO, "suspended") + "/run")
                .then().statusCode(403);
    }
}
