package dev.warden.runner.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.events.EventSchemas;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.runner.support.RunnerFixtures;
import dev.warden.runner.support.RunnerServiceTestResources;
import dev.warden.runner.support.TestImages;
import dev.warden.testing.EventTap;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.runner.support.RunnerFixtures.agent;
import static dev.warden.runner.support.RunnerFixtures.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seed 001's run against a real engine (Podman), under the test tier: 32 MiB, 0.5 CPU, 3 s, 64 KiB of output. */
@QuarkusTest
class RunTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static TestOrg org;

    @BeforeEach
    void organization() {
        if (org == null) {
            org = RunnerFixtures.organization();
        }
    }

    private static JsonPath run(String agent) {
        return as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void aSuccessfulRunAnswersItsExitCodeDurationAndOutputLinesAndLeavesNoContainer() {
        String agent = agent(org, TestImages.HELLO);

        JsonPath answer = run(agent);

        assertEquals("success", answer.getString("status"));
        assertEquals(0, answer.getInt("exit_code"));
        assertEquals(List.of("hello", "world"), answer.getList("stdout"));
        assertEquals(List.of("oops"), answer.getList("stderr"));
        assertTrue(answer.getLong("duration_ms") >= 0);
        assertFalse(answer.getBoolean("truncated"));
        String execution = answer.getString("execution_id");
        UUID.fromString(execution);
        assertTrue(answer.getString("image_digest").startsWith("sha256:"), answer.getString("image_digest"));
        assertEquals("test", answer.getString("limits.tier"));
        assertEquals("", RunnerFixtures.containersOf(execution), "the container is removed");
        as(org, "viewer").get("/v1/executions/" + execution).then().statusCode(200)
                .body("status", equalTo("success")).body("stdout[1]", equalTo("world"));
    }

    @Test
    void everyRunEmitsStartedAndFinishedEventsThatProveWhatRanAndWhatItPrinted() {
        String agent = agent(org, TestImages.HELLO);
        JsonPath answer = run(agent);

        try (EventTap tap = new EventTap(RunnerFixtures.bootstrap(), Topics.EXECUTIONS)) {
            List<JsonNode> events = tap.eventsAbout(agent, 2, WAIT);
            assertEquals(EventTypes.EXECUTION_STARTED, events.get(0).path("type").asText());
            JsonNode finished = events.get(1);
            assertEquals(EventTypes.EXECUTION_FINISHED, finished.path("type").asText());
            events.forEach(e -> assertEquals(List.of(), EventSchemas.violations(e)));
            JsonNode data = finished.path("data");
            assertEquals(answer.getString("execution_id"), data.path("execution_id").asText());
            assertEquals(TestImages.HELLO, data.path("image").asText());
            assertEquals(answer.getString("image_digest"), data.path("image_digest").asText());
            assertEquals(1, data.path("version").asInt());
            assertEquals(0, data.path("exit_code").asInt());
            assertEquals(2, data.path("stdout_lines").asInt());
            assertEquals(1, data.path("stderr_lines").asInt());
            assertEquals(ExecutionService.digest(List.of("hello", "world")), data.path("stdout_sha256").asText());
            assertEquals(32, data.path("limits").path("memory_mb").asInt());
            assertEquals(org.id().toString(), finished.path("orgid").asText());
        }
    }

    /**
     * Seed 001's deploy carries the version's {@code config}, "runtime configuration for this version": its container
     * finds it as JSON in {@code WARDEN_AGENT_CONFIG}, with its version, after a rollback to it too.
     */
    @Test
    void aRunIsGivenItsVersionsConfigAfterARollbackToo() throws Exception {
        String agent = UUID.randomUUID().toString();
        Map<String, Object> config = Map.of("mode", "triage", "limit", 3, "sources", List.of("crowdstrike"));
        RunnerFixtures.deployed(org, agent, TestImages.TOLD, 1, 1, config, false);
        RunnerFixtures.awaitKnown(org, agent);
        List<String> told = run(agent).getList("stdout");
        assertEquals("1", told.get(0));
        assertEquals(config, new ObjectMapper().readValue(told.get(1), Map.class));

        RunnerFixtures.deployed(org, agent, TestImages.TOLD, 2, 2, null, false);
        assertEquals(List.of("2", "none"), run(agent).getList("stdout"), "a version without config has none");
        RunnerFixtures.deployed(org, agent, TestImages.TOLD, 1, 3, null, true);
        told = run(agent).getList("stdout");
        assertEquals("1", told.get(0));
        assertEquals(config, new ObjectMapper().readValue(told.get(1), Map.class), "rolled back to version 1, its config");

        // More than an environment variable can carry is refused before anything runs
        RunnerFixtures.deployed(org, agent, TestImages.TOLD, 3, 4, Map.of("blob", "x".repeat(70_000)), false);
        as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(400)
                .body("error.message", containsString("config is larger than"));
    }

    @Test
    void aNonZeroExitIsAFailureWithItsCode() {
        JsonPath answer = run(agent(org, TestImages.FAIL));

        assertEquals("failure", answer.getString("status"));
        assertEquals(3, answer.getInt("exit_code"));
        assertEquals(List.of("failing"), answer.getList("stderr"));
    }

    @Test
    void aContainerPastItsMemoryIsKilledAndAnsweredOom() {
        JsonPath answer = run(agent(org, TestImages.OOM));

        assertEquals("oom", answer.getString("status"));
        assertEquals(137, answer.getInt("exit_code"));
        assertEquals("", RunnerFixtures.containersOf(answer.getString("execution_id")));
    }

    @Test
    void aChildKilledForMemoryMakesTheRunOomEvenWhenTheMainProcessExitsZero() {
        JsonPath answer = run(agent(org, TestImages.OOM_CHILD));

        assertEquals(List.of("survived"), answer.getList("stdout"));
        assertEquals(0, answer.getInt("exit_code"));
        assertEquals("oom", answer.getString("status"), "the kernel killed a process of the run for memory");
    }

    @Test
    void aContainerPastItsDeadlineIsKilledAndAnsweredTimeout() {
        JsonPath answer = run(agent(org, TestImages.SLEEP));

        assertEquals("timeout", answer.getString("status"));
        assertTrue(answer.getLong("duration_ms") >= 3000, "killed at the tier's 3 s, not before");
        assertEquals("", RunnerFixtures.containersOf(answer.getString("execution_id")));
    }

    @Test
    void outputPastTheCapIsDroppedAndTheAnswerSaysSo() {
        JsonPath answer = run(agent(org, TestImages.FLOOD));

        assertEquals("success", answer.getString("status"));
        assertTrue(answer.getBoolean("truncated"));
        List<String> lines = answer.getList("stdout");
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(String.valueOf(i + 1), lines.get(i), "the first lines, every one of them, in order");
        }
        assertTrue(lines.size() > 1000 && lines.size() < 200_000, "kept " + lines.size() + " lines");
        long bytes = lines.stream().mapToLong(l -> l.length() + 1).sum();
        assertTrue(bytes <= 65536, bytes + " bytes kept");
    }

    @Test
    void everyLineAContainerPrintsJustBeforeItExitsIsKeptInOrder() {
        String agent = agent(org, TestImages.BURST);
        List<String> expected = java.util.stream.IntStream.rangeClosed(1, TestImages.BURST_LINES)
                .mapToObj(String::valueOf).toList();
        // The log follow stream of a container that prints fast and exits ended with lines missing from its middle:
        // several runs, since a loss was not every time
        for (int i = 0; i < 5; i++) {
            JsonPath answer = run(agent);

            assertEquals("success", answer.getString("status"));
            assertFalse(answer.getBoolean("truncated"));
            List<String> lines = answer.getList("stdout");
            assertEquals(expected.size(), lines.size(), "run " + i + " kept " + lines.size() + " lines");
            assertEquals(expected, lines);
        }
    }

    @Test
    void aPageOfExecutionsEndsBeforeItsOutputPassesTheBoundAndItsCursorGoesOn() {
        String agent = agent(org, TestImages.FLOOD);
        List<String> runs = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            runs.add(run(agent).getString("execution_id"));
        }
        String small = agent(org, TestImages.HELLO);
        for (int i = 0; i < 3; i++) {
            run(small);
        }

        // Each flood run keeps about 87 KB of output; the test's bound is 100,000 bytes a page
        List<String> walked = new java.util.ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 5; page++) {
            var request = as(org, "viewer").queryParam("limit", 50);
            if (cursor != null) {
                request = request.queryParam("cursor", cursor);
            }
            JsonPath answer = request.get("/v1/agents/" + agent + "/executions").then().statusCode(200).extract().jsonPath();
            assertEquals(3, answer.getInt("total"));
            List<String> ids = answer.getList("executions.execution_id");
            assertEquals(1, ids.size(), "one flood run per page");
            walked.addAll(ids);
            cursor = answer.getString("next_cursor");
            if (cursor == null) {
                break;
            }
        }
        assertEquals(runs, walked);
        as(org, "viewer").queryParam("limit", 50).get("/v1/agents/" + small + "/executions").then().statusCode(200)
                .body("executions.size()", equalTo(3)).body("next_cursor", nullValue());
    }

    @Test
    void theContainerRunsAsNobodyOnAReadOnlyRootWithoutNetworkCapabilitiesOrPrivilegeEscalation() {
        JsonPath answer = run(agent(org, TestImages.CONFINED));

        assertEquals("success", answer.getString("status"), answer.prettify());
        List<String> out = answer.getList("stdout");
        assertEquals("65534", out.get(0));
        assertEquals("rootfs-read-only", out.get(1));
        assertTrue(out.contains("lo") && out.stream().noneMatch(l -> l.startsWith("eth")), "only loopback: " + out);
        assertTrue(out.contains("CapEff:\t0000000000000000"), out.toString());
        assertTrue(out.contains("NoNewPrivs:\t1"), out.toString());
    }

    @Test
    void theContainerWritesOnlySmallPlacesItCannotRunAnythingFromAndItsOutputMayHoldANul() {
        JsonPath answer = run(agent(org, TestImages.SCRATCH));

        assertEquals("success", answer.getString("status"), answer.prettify());
        List<String> out = answer.getList("stdout");
        // /tmp is writable by nobody (the image's /tmp was root's: it was not), and nothing written runs, not even in
        // the places Podman adds on a read-only root nor in the image's VOLUME (the host's disk, executable, before)
        for (String dir : List.of("/tmp", "/var/tmp", "/run", "/data")) {
            assertTrue(out.contains(dir + "-writable"), dir + ": " + out);
            assertTrue(out.contains(dir + "-noexec"), dir + ": " + out);
        }
        // /dev/shm is as small as the other scratch places (the engine's default was 64 MiB)
        assertTrue(out.contains("shm-kb-16384"), out.toString());
        // A NUL in the output is kept as the symbol for it (PostgreSQL stores none: the run was left running, a 500)
        assertEquals("a\u2400b", out.getLast(), out.toString());
    }

    @Test
    void aTierThatAllowsTheNetworkGivesTheContainerOne() {
        // The test profile assigns this organization to the tier test-network (network=true).
        TestOrg networked = dev.warden.testing.TestOrganizations.create(RunnerFixtures.bootstrap(),
                UUID.fromString("0000beef-0000-4000-8000-000000000001"), "operator", "viewer");
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() ->
                as(networked, "viewer").get("/v1/executions/" + UUID.randomUUID()).statusCode() != 401);

        JsonPath answer = as(networked, "operator").post("/v1/agents/" + agent(networked, TestImages.CONFINED) + "/run")
                .then().statusCode(200).extract().jsonPath();

        assertEquals("test-network", answer.getString("limits.tier"));
        assertTrue(answer.getBoolean("limits.network"));
        List<String> out = answer.getList("stdout");
        assertTrue(out.stream().anyMatch(l -> l.startsWith("eth")), "a network interface besides loopback: " + out);
        assertEquals("65534", out.get(0), "still nobody");
    }

    @Test
    void anImageOutsideThoseTheOrganizationMayRunIs403AndStartsNothing() {
        // The test profile allows localhost/warden/ to every organization; busybox is in the engine (the test images
        // are made from it) under another name, and an image of another namespace must not run whatever it is
        String agent = agent(org, "docker.io/library/busybox:latest");

        as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(403)
                .body("error.message", containsString("not among those this organization may run"));
        as(org, "viewer").get("/v1/agents/" + agent + "/executions").then().statusCode(200).body("total", equalTo(0));
        // A look-alike of the allowed namespace is not in it
        String lookalike = agent(org, "localhost/warden-evil/x:1");
        as(org, "operator").post("/v1/agents/" + lookalike + "/run").then().statusCode(403);
    }

    @Test
    void anImageTheEngineDoesNotHaveIsAnError() {
        JsonPath answer = run(agent(org, TestImages.MISSING));

        assertEquals("error", answer.getString("status"));
        assertNotNull(answer.getString("error"));
    }

    @Test
    void aSuspendedAgentIs403AndAnAgentWithoutImageIs400() {
        as(org, "operator").post("/v1/agents/" + agent(org, TestImages.HELLO, "suspended") + "/run").then()
                .statusCode(403).body("error.code", equalTo("forbidden"));
        as(org, "operator").post("/v1/agents/" + agent(org, null) + "/run").then()
                .statusCode(400).body("error.code", equalTo("invalid_request"));
        // An image given at creation, never deployed (version 0): no version to name, nothing in the trail: refused
        String undeployed = java.util.UUID.randomUUID().toString();
        dev.warden.runner.support.RunnerFixtures.announce(org, undeployed, TestImages.HELLO, "inactive", 0, 1);
        dev.warden.runner.support.RunnerFixtures.awaitKnown(org, undeployed);
        as(org, "operator").post("/v1/agents/" + undeployed + "/run").then()
                .statusCode(400).body("error.code", equalTo("invalid_request"))
                .body("error.message", containsString("never been deployed"));
        as(org, "viewer").get("/v1/agents/" + undeployed + "/executions").then().statusCode(200).body("total", equalTo(0));
    }

    @Test
    void aRunSeesEveryAgentEventPublishedBeforeItWasAskedFor() {
        // No waiting for the projection here: the run waits until it holds what the broker held when it was asked.
        // A suspension on the broker stops the very next run...
        for (int i = 0; i < 5; i++) {
            String agent = UUID.randomUUID().toString();
            RunnerFixtures.announce(org, agent, TestImages.HELLO, "active", 1, 1);
            RunnerFixtures.announce(org, agent, TestImages.HELLO, "suspended", 1, 2);
            as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(403)
                    .body("error.code", equalTo("forbidden"));
        }
        // ... and an agent just deployed runs at once, rather than being unknown (404).
        String agent = UUID.randomUUID().toString();
        RunnerFixtures.deployed(org, agent, TestImages.HELLO, 1, 1, null, false);
        as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(200)
                .body("status", equalTo("success"));
    }

    /**
     * A version whose deploy runner-service never recorded (deployed before it kept versions' configs: an upgrade) is
     * not run with no config, which would run something other than what was deployed: a 409 says to deploy it again,
     * and the version that makes runs.
     */
    @Test
    void aVersionWhoseDeployWasNeverRecordedIsNotRunWithoutItsConfig() {
        String agent = UUID.randomUUID().toString();
        RunnerFixtures.announce(org, agent, TestImages.HELLO, "active", 1, 1);
        as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(409)
                .body("error.code", equalTo("conflict")).body("error.message", containsString("deploy it again"));
        RunnerFixtures.deployed(org, agent, TestImages.HELLO, 2, 2, Map.of("mode", "read-only"), false);
        as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(200)
                .body("status", equalTo("success")).body("version", equalTo(2));
    }

    @Test
    void aRunSeesEveryAccessChangePublishedBeforeItWasAskedFor() {
        // An organization disabled on the broker (as a revocation's or a disabling's 200 says) starts nothing after it,
        // however far behind the service's access directory was when the request came in.
        for (int i = 0; i < 5; i++) {
            TestOrg doomed = RunnerFixtures.organization();
            String agent = agent(doomed, TestImages.HELLO);
            TestOrganizations.disable(RunnerFixtures.bootstrap(), doomed);
            as(doomed, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(401)
                    .body("error.code", equalTo("unauthorized"));
        }
    }

    @Test
    void anUnknownAgentAndAnotherOrganizationsAgentAre404() {
        as(org, "operator").post("/v1/agents/" + UUID.randomUUID() + "/run").then().statusCode(404)
                .body("error.code", equalTo("not_found"));
        TestOrg other = RunnerFixtures.organization();
        String theirs = agent(other, TestImages.HELLO);
        as(org, "operator").post("/v1/agents/" + theirs + "/run").then().statusCode(404);
        as(org, "viewer").get("/v1/agents/" + theirs + "/executions").then().statusCode(404);
        String execution = run(agent(org, TestImages.HELLO)).getString("execution_id");
        as(other, "viewer").get("/v1/executions/" + execution).then().statusCode(404);
    }

    @Test
    void runningNeedsTheOperatorRoleAndAMalformedIdIs400() {
        String agent = agent(org, TestImages.HELLO);
        as(org, "viewer").post("/v1/agents/" + agent + "/run").then().statusCode(403);
        as(org, "operator").post("/v1/agents/not-a-uuid/run").then().statusCode(400)
                .body("error.details[0].field", equalTo("agent_id"));
        as(org, "operator").post("/v1/agents/" + agent + "/run?async=maybe").then().statusCode(400);
    }
}
