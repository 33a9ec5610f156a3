package dev.warden.runner.agent;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.runner.support.RunnerFixtures;
import dev.warden.runner.support.TestImages;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.runner.support.RunnerFixtures.as;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The projection keeps each agent's newest snapshot, whatever order and however often snapshots arrive. */
@QuarkusTest
class AgentProjectionTest {

    @Inject
    AgentProjection projection;

    @Test
    void anOlderOrRepeatedSnapshotChangesNothingAndTheNewestImageRuns() {
        TestOrg org = RunnerFixtures.organization();
        String agent = UUID.randomUUID().toString();
        project(org, agent, TestImages.FAIL, 1, 1);
        project(org, agent, TestImages.HELLO, 2, 3);
        project(org, agent, TestImages.FAIL, 1, 2);
        project(org, agent, TestImages.FAIL, 1, 1);

        JsonPath answer = as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(200)
                .extract().jsonPath();
        assertEquals("success", answer.getString("status"));
        assertEquals(2, answer.getInt("version"));
        assertEquals(TestImages.HELLO, answer.getString("image"));
    }

    @Test
    void aPatchedImageRunsOnlyOnceItIsDeployed() {
        TestOrg org = RunnerFixtures.organization();
        String agent = UUID.randomUUID().toString();
        project(org, agent, TestImages.HELLO, 1, 1);
        project(org, agent, TestImages.FAIL, 1, 2); // PATCH image_uri: the agent's record, version 1 still
        assertRuns(org, agent, TestImages.HELLO, 1);

        project(org, agent, TestImages.FAIL, 2, 3); // the deploy of the patched image
        assertRuns(org, agent, TestImages.FAIL, 2);
        project(org, agent, TestImages.HELLO, 1, 4); // a rollback to version 1 brings its image back
        assertRuns(org, agent, TestImages.HELLO, 1);
    }

    @Test
    void aPatchInTheSameBatchAsItsDeployDoesNotReplaceTheDeployedImage() {
        TestOrg org = RunnerFixtures.organization();
        String agent = UUID.randomUUID().toString();
        projection.project(List.of(record(org, agent, Map.of("image_uri", TestImages.FAIL, "version", 0, "revision", 1,
                        "status", "inactive")),
                record(org, agent, Map.of("image_uri", TestImages.HELLO, "version", 1, "revision", 2, "status", "active")),
                record(org, agent, Map.of("image_uri", TestImages.FAIL, "version", 1, "revision", 3, "status", "active"))))
                .await().atMost(Duration.ofSeconds(30));
        assertRuns(org, agent, TestImages.HELLO, 1);
    }

    @Test
    void aSuspensionReachesTheProjectionAndStopsRuns() {
        TestOrg org = RunnerFixtures.organization();
        String agent = UUID.randomUUID().toString();
        project(org, agent, TestImages.HELLO, 1, 1);
        as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(200);
        projectStatus(org, agent, "suspended", 2);
        as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(403);
    }

    /**
     * A snapshot whose revision is no whole number in range (1e30, as a faulty producer wrote it) is dead-lettered: read
     * as the highest long, it made every later snapshot look older, and a suspension then stopped no run.
     */
    @Test
    void aSnapshotWithARevisionOutOfRangeIsRefusedAndALaterSuspensionStillStopsRuns() {
        TestOrg org = RunnerFixtures.organization();
        String agent = UUID.randomUUID().toString();
        project(org, agent, TestImages.HELLO, 1, 1);
        send(org, agent, Map.of("image_uri", TestImages.HELLO, "version", 1, "revision", 1e30, "status", "active"));
        projectStatus(org, agent, "suspended", 2);
        as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(403);
    }

    private void project(TestOrg org, String agent, String image, int version, long revision) {
        send(org, agent, Map.of("image_uri", image, "version", version, "revision", revision, "status", "active"));
    }

    private void projectStatus(TestOrg org, String agent, String status, long revision) {
        send(org, agent, Map.of("image_uri", TestImages.HELLO, "version", 1, "revision", revision, "status", status));
    }

    private static void assertRuns(TestOrg org, String agent, String image, int version) {
        JsonPath answer = as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(image, answer.getString("image"));
        assertEquals(version, answer.getInt("version"));
    }

    private void send(TestOrg org, String agent, Map<String, Object> fields) {
        projection.project(List.of(record(org, agent, fields))).await().atMost(Duration.ofSeconds(30));
    }

    /**
     * The snapshot as an event: of a version (1 or more), a deployed event naming it, as every version agent-service
     * makes comes with one (a run needs its deploy recorded: RunTest); the projection keeps the snapshot the same way
     * whatever the event's type, which is what these tests are about.
     */
    private static ConsumerRecord<String, String> record(TestOrg org, String agent, Map<String, Object> fields) {
        Map<String, Object> snapshot = new HashMap<>(fields);
        snapshot.put("id", agent);
        Object version = fields.get("version");
        boolean deployed = version instanceof Integer v && v >= 1;
        Map<String, Object> data = new HashMap<>(Map.of("agent", snapshot));
        if (deployed) {
            Map<String, Object> deployment = new HashMap<>(Map.of("id", UUID.randomUUID().toString(), "agent_id", agent,
                    "version", version, "created_at", java.time.Instant.now().toString()));
            deployment.put("image_uri", fields.get("image_uri"));
            deployment.put("config", null);
            data.put("deployment", deployment);
        }
        CloudEvent event = CloudEvent.of("/warden/agent-service", deployed ? EventTypes.AGENT_DEPLOYED : EventTypes.AGENT_UPDATED,
                agent, org.id(), data);
        return new ConsumerRecord<>(Topics.AGENTS, 0, 0L, agent, EventJson.write(event));
    }
}
