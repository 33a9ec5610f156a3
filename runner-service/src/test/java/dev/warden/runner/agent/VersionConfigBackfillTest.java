package dev.warden.runner.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.runner.support.RunnerFixtures;
import dev.warden.runner.support.TestImages;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.runner.support.RunnerFixtures.as;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upgrade from a runner-service that kept no versions' configs (before its V4): the deploys are on
 * warden.agents.v1, their configs are not in the projection, and a run is refused (409) rather than run without one.
 * The backfill reads the topic again, and the same version then runs with its config.
 */
@QuarkusTest
class VersionConfigBackfillTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    VersionConfigBackfill backfill;
    @Inject
    TenantDb db;
    @Inject
    AgentRepository agents;

    @Test
    void aVersionDeployedBeforeConfigsWereKeptRunsWithItsConfigOnceTheTopicIsReadAgain() throws Exception {
        TestOrg org = RunnerFixtures.organization();
        String agent = UUID.randomUUID().toString();
        Map<String, Object> config = Map.of("region", "eu-2", "level", 8);
        RunnerFixtures.deployed(org, agent, TestImages.TOLD, 1, 1, config, false);
        RunnerFixtures.awaitKnown(org, agent);
        // As an upgrade finds it: the deploy on the topic, no config kept for it
        db.inOrg(org.id(), conn -> conn.preparedQuery("DELETE FROM runner_agent_versions WHERE agent_id = $1")
                .execute(Tuple.of(UUID.fromString(agent)))).await().atMost(WAIT);
        assertTrue(db.asPlatform(agents::versionsUnrecorded).await().atMost(WAIT) >= 1,
                "the leader job's question sees the agent across organizations");
        as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(409)
                .body("error.message", containsString("deploy it again"));

        assertTrue(backfill.replay() >= 1);

        List<String> told = as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(200)
                .extract().jsonPath().getList("stdout");
        assertEquals("1", told.get(0));
        assertEquals(config, new ObjectMapper().readValue(told.get(1), Map.class));
    }
}
