package dev.warden.runner.execution;

import dev.warden.runner.support.RunnerFixtures;
import dev.warden.runner.support.TestImages;
import dev.warden.testing.PrometheusText;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import dev.warden.runner.engine.Outcome;
import dev.warden.tenancy.db.TenantDb;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.RestAssured;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.warden.runner.support.RunnerFixtures.agent;
import static dev.warden.runner.support.RunnerFixtures.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs in the background, their listing, and the per-organization limit (2 at once in the test profile). */
@QuarkusTest
class ConcurrencyAndAsyncTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    TenantDb db;
    @Inject
    ExecutionRepository repository;

    @Test
    void anAsyncRunAnswers202AtOnceAndItsOutcomeIsRecordedWhenTheContainerExits() {
        TestOrg org = RunnerFixtures.organization();
        String agent = agent(org, TestImages.TICKER);

        Response accepted = as(org, "operator").post("/v1/agents/" + agent + "/run?async=true");

        accepted.then().statusCode(202).body("status", equalTo("running")).body("exit_code", nullValue());
        String execution = accepted.jsonPath().getString("execution_id");
        // While it runs, the engine's copy of its output is bounded (the test tier's cap is 64 KiB: at least 64 MiB).
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> !RunnerFixtures.containersOf(execution).isEmpty());
        String size = dev.warden.testing.WardenInfra.podman().podman("inspect", "--format",
                "{{.HostConfig.LogConfig.Size}}", RunnerFixtures.containersOf(execution)).trim();
        assertEquals("67.11MB", size, "the container's log file is limited to 64 MiB");
        assertTrue(accepted.header("Location").endsWith("/v1/executions/" + execution));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                !"running".equals(as(org, "viewer").get("/v1/executions/" + execution).jsonPath().getString("status")));
        as(org, "viewer").get("/v1/executions/" + execution).then().statusCode(200)
                .body("status", equalTo("success"))
                .body("stdout", equalTo(List.of("tick-1", "tick-2", "tick-3")))
                .body("finished_at", notNullValue());
    }

    @Test
    void aSynchronousCallerThatGoesAwayLeavesItsRunToFinishRecordedAndHoldingItsSlot() throws Exception {
        TestOrg org = RunnerFixtures.organization();
        String agent = agent(org, TestImages.TICKER);
        HttpClient http = HttpClient.newHttpClient();
        assertThrows(java.net.http.HttpTimeoutException.class, () -> http.send(
                HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/v1/agents/" + agent + "/run"))
                        .header("X-API-Key", org.key("operator")).timeout(Duration.ofMillis(500))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()));
        // The run goes on and keeps its slot (2 per organization here): one more fits, a third does not. The slot was
        // released as the caller went away, the container ran on, and the run stayed "running" unrecorded for good.
        as(org, "operator").post("/v1/agents/" + agent + "/run?async=true").then().statusCode(202);
        as(org, "operator").post("/v1/agents/" + agent + "/run?async=true").then().statusCode(429);
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                as(org, "viewer").get("/v1/agents/" + agent + "/executions").then().statusCode(200)
                        .body("executions.status", equalTo(List.of("success", "success")))
                        .body("executions[0].stdout", equalTo(List.of("tick-1", "tick-2", "tick-3"))));
    }

    /** A run of a new agent of {@code image}, started with {@code ?async=true}: its execution id. */
    private static String runAsync(TestOrg org, String image) {
        String agent = agent(org, image);
        return as(org, "operator").post("/v1/agents/" + agent + "/run?async=true").then().statusCode(202)
                .extract().path("execution_id");
    }

    /** The execution's log stream, as a client reads Server-Sent Events: line by line as they come. */
    private static HttpResponse<java.util.stream.Stream<String>> logStream(TestOrg org, String execution) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        RestAssured.baseURI + ":" + RestAssured.port + "/v1/executions/" + execution + "/logs"))
                .header("X-API-Key", org.key("viewer")).header("Accept", "text/event-stream").GET().build(),
                HttpResponse.BodyHandlers.ofLines());
    }

    @Test
    void aClientKeepingWhatFollowsTheLastResetHasEveryLineOfAFastContainersLogStream() throws Exception {
        TestOrg org = RunnerFixtures.organization();
        String execution = runAsync(org, TestImages.BURST);

        HttpResponse<java.util.stream.Stream<String>> stream = logStream(org, execution);
        List<String> kept = new ArrayList<>();
        String end = null;
        for (String raw : (Iterable<String>) stream.body()::iterator) {
            if (!raw.startsWith("data:")) {
                continue;
            }
            JsonNode event = JSON.readTree(raw.substring("data:".length()));
            switch (event.path("stream").asText()) {
                case "reset" -> kept.clear();
                case "end" -> end = event.path("line").asText();
                default -> kept.add(event.path("line").asText());
            }
        }

        assertEquals("success", end);
        assertEquals(java.util.stream.IntStream.rangeClosed(1, TestImages.BURST_LINES).mapToObj(String::valueOf).toList(),
                kept);
    }

    @Test
    void theLogsOfARunningContainerStreamAsServerSentEventsWhileItRuns() throws Exception {
        TestOrg org = RunnerFixtures.organization();
        String execution = runAsync(org, TestImages.TICKER);

        HttpResponse<java.util.stream.Stream<String>> stream = logStream(org, execution);
        assertEquals(200, stream.statusCode());
        assertTrue(stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> lines = new ArrayList<>();
        String statusAtFirstLine = null;
        for (String raw : (Iterable<String>) stream.body()::iterator) {
            if (raw.startsWith("data:")) {
                JsonNode event = JSON.readTree(raw.substring("data:".length()));
                lines.add(event.path("stream").asText() + ":" + event.path("line").asText());
                if (statusAtFirstLine == null) {
                    statusAtFirstLine = as(org, "viewer").get("/v1/executions/" + execution).jsonPath().getString("status");
                }
            }
        }
        assertEquals(List.of("stdout:tick-1", "stdout:tick-2", "stdout:tick-3", "end:success"), lines,
                "the stream ends with the recorded status");
        assertEquals("running", statusAtFirstLine, "the first line arrived while the container ran");

        // A finished execution's stream is its recorded output; another organization's is a 404.
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                "success".equals(as(org, "viewer").get("/v1/executions/" + execution).jsonPath().getString("status")));
        String body = as(org, "viewer").accept("text/event-stream").get("/v1/executions/" + execution + "/logs")
                .then().statusCode(200).extract().asString();
        assertTrue(body.contains("tick-3"), body);
        // A client generated from the OpenAPI document asks for JSON, the type of the operation's errors: it gets the
        // stream, and an unknown or another organization's execution is the 404 it can read (both were 406)
        String asked = as(org, "viewer").accept("application/json").get("/v1/executions/" + execution + "/logs")
                .then().statusCode(200).contentType(startsWith("text/event-stream")).extract().asString();
        assertTrue(asked.contains("tick-3"), asked);
        as(RunnerFixtures.organization(), "viewer").accept("application/json").get("/v1/executions/" + execution + "/logs")
                .then().statusCode(404).contentType(startsWith("application/json")).body("error.code", equalTo("not_found"));
        as(org, "viewer").accept("application/xml").get("/v1/executions/" + execution + "/logs").then().statusCode(406);
        as(RunnerFixtures.organization(), "viewer").get("/v1/executions/" + execution + "/logs").then().statusCode(404);
        as(org, "viewer").get("/v1/executions/nope/logs").then().statusCode(400);
    }

    @Test
    void theLogStreamOfAnotherInstancesRunWaitsForItsOutcomeThenSendsItsLines() throws Exception {
        TestOrg org = RunnerFixtures.organization();
        UUID agent = UUID.fromString(agent(org, TestImages.HELLO));
        // A run another replica started and runs: recorded as running, its output held by that replica until it ends
        Execution elsewhere = RunnerFixtures.recordedRunning(org, agent, Instant.now(),
                "another-instance-" + UUID.randomUUID());

        HttpResponse<java.util.stream.Stream<String>> stream = logStream(org, elsewhere.executionId().toString());
        assertEquals(200, stream.statusCode()); // looked up as running: the stream has begun
        Execution done = elsewhere.finished(Outcome.SUCCESS, 0, 1200, List.of("one", "two"), List.of("warn"), false,
                null, null, Instant.now().truncatedTo(ChronoUnit.MICROS));
        db.inOrg(org.id(), conn -> repository.finish(conn, done, "x", "y")).await().atMost(Duration.ofSeconds(10));

        List<String> lines = new ArrayList<>();
        for (String raw : (Iterable<String>) stream.body()::iterator) {
            if (raw.startsWith("data:")) {
                JsonNode event = JSON.readTree(raw.substring("data:".length()));
                lines.add(event.path("stream").asText() + ":" + event.path("line").asText());
            }
        }
        // It answered {"stream": "end", "line": "running"} at once: over, with none of the run's output
        assertEquals(List.of("stdout:one", "stdout:two", "stderr:warn", "end:success"), lines);
    }

    @Test
    void beyondTheOrganizationsOpenLogStreamsA429AndAStreamThatEndsGivesItsSlotBack() throws Exception {
        // The test-long tier: the run outlasts the streams held open beside it
        TestOrg org = RunnerFixtures.organization(UUID.fromString("0000f00d-0000-4000-8000-000000000001"));
        String talking = TestImages.TALK_THEN_SLEEP;
        String execution = runAsync(org, talking);
        List<HttpResponse<java.util.stream.Stream<String>>> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) { // the test profile's warden.streams.max-per-org
                HttpResponse<java.util.stream.Stream<String>> stream = logStream(org, execution);
                assertEquals(200, stream.statusCode());
                open.add(stream);
            }
            double refusedBefore = metrics().value("warden_streams_refused_total", "bound", "organization");
            as(org, "viewer").accept("text/event-stream").get("/v1/executions/" + execution + "/logs").then()
                    .statusCode(429).header("Retry-After", notNullValue())
                    .body("error.code", equalTo("too_many_streams"));
            PrometheusText held = metrics();
            assertTrue(held.value("warden_streams_open") >= 3, "the three streams held");
            assertEquals(refusedBefore + 1, held.value("warden_streams_refused_total", "bound", "organization"));

            open.removeFirst().body().close(); // the client goes away: its stream ends and gives its slot back
            HttpResponse<java.util.stream.Stream<String>> again = Awaitility.await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200)).until(() -> logStream(org, execution), r -> {
                        if (r.statusCode() != 200) {
                            r.body().close();
                        }
                        return r.statusCode() == 200;
                    });
            open.add(again);
            as(org, "viewer").accept("text/event-stream").get("/v1/executions/" + execution + "/logs").then().statusCode(429);
        } finally {
            open.forEach(r -> r.body().close());
        }
    }

    @Test
    void aRunWhoseAgentIsSuspendedWhileItRunsIsStoppedThenNotAtItsDeadline() {
        // The test-long tier (60 s): the run would go on well past the test's wait
        TestOrg org = RunnerFixtures.organization(UUID.fromString("0000f00d-0000-4000-8000-000000000001"));
        String talking = TestImages.TALK_THEN_SLEEP;
        String agent = agent(org, talking);
        String execution = as(org, "operator").post("/v1/agents/" + agent + "/run?async=true").then().statusCode(202)
                .extract().path("execution_id");
        // Once it has said what the test then expects it to have said (suspended before, it had not, on a slow machine)
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            String container = RunnerFixtures.containersOf(execution);
            return !container.isBlank() && WardenInfra.podman().podman("logs", container).contains("started");
        });

        RunnerFixtures.announce(org, agent, talking, "suspended", 1, 2); // as agent-service publishes a suspension

        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                as(org, "viewer").get("/v1/executions/" + execution).then().statusCode(200)
                        .body("status", equalTo("error"))
                        .body("error", equalTo("stopped: the agent was suspended while it ran")));
        as(org, "viewer").get("/v1/executions/" + execution).then().body("stdout", equalTo(List.of("started")));
        assertEquals("", RunnerFixtures.containersOf(execution), "its container is gone");
    }

    @Test
    void theOrganizationsBoundCountsTheRunsOfEveryReplica() {
        TestOrg org = RunnerFixtures.organization();
        String agent = agent(org, TestImages.HELLO);
        // Another replica runs one of the organization's runs: with one of this replica's, the bound (2) is reached.
        // Each replica counted only its own: two replicas ran twice the bound at once.
        Execution elsewhere = RunnerFixtures.recordedRunning(org, UUID.fromString(agent), Instant.now(),
                "another-instance-" + UUID.randomUUID());
        String here = as(org, "operator").post("/v1/agents/" + agent(org, TestImages.SLEEP) + "/run?async=true").then()
                .statusCode(202).extract().path("execution_id");
        as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(429)
                .body("error.code", equalTo("too_many_runs")).header("Retry-After", notNullValue());

        // A run recorded as running long past every tier's deadline is a dead replica's leftover: it holds nothing.
        db.inOrg(org.id(), conn -> repository.finish(conn, elsewhere.finished(Outcome.SUCCESS, 0, 10, List.of(), List.of(),
                false, null, null, Instant.now()), "x", "y")).await().atMost(Duration.ofSeconds(10));
        RunnerFixtures.recordedRunning(org, UUID.fromString(agent), Instant.now().minus(2, ChronoUnit.HOURS),
                "a-replica-gone-for-good-" + UUID.randomUUID());
        as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(200).body("status", equalTo("success"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                !"running".equals(as(org, "viewer").get("/v1/executions/" + here).jsonPath().getString("status")));
    }

    @Test
    void beyondTheOrganizationsConcurrentRunsA429WithRetryAfterAndNoQueue() {
        TestOrg org = RunnerFixtures.organization();
        String agent = agent(org, TestImages.SLEEP);
        PrometheusText before = metrics();
        String first = as(org, "operator").post("/v1/agents/" + agent + "/run?async=true").then().statusCode(202)
                .extract().path("execution_id");
        String second = as(org, "operator").post("/v1/agents/" + agent + "/run?async=true").then().statusCode(202)
                .extract().path("execution_id");

        Response refused = as(org, "operator").post("/v1/agents/" + agent + "/run");

        refused.then().statusCode(429).body("error.code", equalTo("too_many_runs"));
        assertTrue(Integer.parseInt(refused.header("Retry-After")) > 0);
        // What an operator watches: runs held now on this instance, and callers meeting the bound
        PrometheusText during = metrics();
        assertTrue(during.value("warden_runner_runs_in_progress") >= 2, "the two runs held");
        assertEquals(before.value("warden_runner_runs_refused_total", "bound", "organization") + 1,
                during.value("warden_runner_runs_refused_total", "bound", "organization"));
        // Another organization is not held back by this one.
        TestOrg other = RunnerFixtures.organization();
        as(other, "operator").post("/v1/agents/" + agent(other, TestImages.HELLO) + "/run").then().statusCode(200)
                .body("status", equalTo("success"));
        // Once the two have ended (killed at the test tier's 3 s deadline), runs are accepted again.
        for (String execution : List.of(first, second)) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                    "timeout".equals(as(org, "viewer").get("/v1/executions/" + execution).jsonPath().getString("status")));
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "operator").post("/v1/agents/" + agent(org, TestImages.HELLO) + "/run").statusCode() == 200);
        assertTrue(metrics().value("warden_runner_runs_finished_total", "outcome", "timeout")
                >= Math.max(0, before.value("warden_runner_runs_finished_total", "outcome", "timeout")) + 2,
                "each outcome counted once it is recorded");
    }

    private static PrometheusText metrics() {
        return PrometheusText.parse(RestAssured.get("/q/metrics").then().statusCode(200).extract().asString());
    }

    @Test
    void anAgentsExecutionsArePaginatedOldestFirst() {
        TestOrg org = RunnerFixtures.organization();
        String agent = agent(org, TestImages.HELLO);
        List<String> ids = List.of(
                as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(200).extract().path("execution_id"),
                as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(200).extract().path("execution_id"),
                as(org, "operator").post("/v1/agents/" + agent + "/run").then().statusCode(200).extract().path("execution_id"));

        Response page1 = as(org, "viewer").get("/v1/agents/" + agent + "/executions?limit=2");
        page1.then().statusCode(200).body("total", equalTo(3)).body("total_exact", equalTo(true));
        assertEquals(ids.subList(0, 2), page1.jsonPath().getList("executions.execution_id"));
        String cursor = page1.jsonPath().getString("next_cursor");
        Response page2 = as(org, "viewer").get("/v1/agents/" + agent + "/executions?limit=2&cursor=" + cursor);
        assertEquals(ids.subList(2, 3), page2.jsonPath().getList("executions.execution_id"));
        page2.then().body("next_cursor", nullValue());
        as(org, "viewer").get("/v1/agents/" + agent + "/executions?limit=0").then().statusCode(400);
    }

    @Test
    void aRunAskedAgainWithItsIdempotencyKeyRunsOnceAndAnswersTheFirstOutcome() throws Exception {
        TestOrg org = RunnerFixtures.organization();
        String hello = agent(org, TestImages.HELLO);
        String key = java.util.UUID.randomUUID().toString();
        String first = as(org, "operator").header("Idempotency-Key", key).post("/v1/agents/" + hello + "/run")
                .then().statusCode(200).body("status", equalTo("success")).extract().path("execution_id");

        as(org, "operator").header("Idempotency-Key", key).post("/v1/agents/" + hello + "/run").then().statusCode(200)
                .body("execution_id", equalTo(first)).body("status", equalTo("success"))
                .body("stdout", equalTo(List.of("hello", "world")));
        as(org, "viewer").get("/v1/agents/" + hello + "/executions").then().body("total", equalTo(1));
        // The key with another request (in the background) is a 409; another organization's key is its own
        as(org, "operator").header("Idempotency-Key", key).post("/v1/agents/" + hello + "/run?async=true").then()
                .statusCode(409).body("error.code", notNullValue());
        TestOrg other = RunnerFixtures.organization();
        String theirs = agent(other, TestImages.HELLO);
        as(other, "operator").header("Idempotency-Key", key).post("/v1/agents/" + theirs + "/run").then().statusCode(200)
                .body("execution_id", not(equalTo(first)));

        // Asked again while the first request's run goes on: a 409 naming it, no second run; once it ended, its outcome
        String sleeper = agent(org, TestImages.SLEEP);
        String slow = java.util.UUID.randomUUID().toString();
        var running = java.util.concurrent.CompletableFuture.supplyAsync(() -> as(org, "operator")
                .header("Idempotency-Key", slow).post("/v1/agents/" + sleeper + "/run"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
                as(org, "viewer").get("/v1/agents/" + sleeper + "/executions").jsonPath().getInt("total") == 1);
        String execution = as(org, "viewer").get("/v1/agents/" + sleeper + "/executions").jsonPath()
                .getString("executions[0].execution_id");
        as(org, "operator").header("Idempotency-Key", slow).post("/v1/agents/" + sleeper + "/run").then().statusCode(409)
                .body("error.message", containsString(execution));
        Response ended = running.get(60, java.util.concurrent.TimeUnit.SECONDS);
        ended.then().statusCode(200).body("execution_id", equalTo(execution)).body("status", equalTo("timeout"));
        as(org, "operator").header("Idempotency-Key", slow).post("/v1/agents/" + sleeper + "/run").then().statusCode(200)
                .body("execution_id", equalTo(execution)).body("status", equalTo("timeout"));
        as(org, "viewer").get("/v1/agents/" + sleeper + "/executions").then().body("total", equalTo(1));
        // Retries racing the first request with its key hold no run slot (the test tier has 2): all get the one run,
        // and the organization's next run is not refused
        String racing = java.util.UUID.randomUUID().toString();
        var retries = java.util.stream.IntStream.range(0, 8).mapToObj(i -> java.util.concurrent.CompletableFuture.supplyAsync(
                () -> as(org, "operator").header("Idempotency-Key", racing).post("/v1/agents/" + sleeper + "/run?async=true")))
                .toList();
        java.util.Set<String> started = new java.util.HashSet<>();
        for (var retry : retries) {
            Response answer = retry.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(202, answer.statusCode(), answer.asString());
            started.add(answer.jsonPath().getString("execution_id"));
        }
        assertEquals(1, started.size(), "one run for one key");
        as(org, "operator").post("/v1/agents/" + hello + "/run").then().statusCode(200);
        as(org, "operator").header("Idempotency-Key", "").post("/v1/agents/" + hello + "/run").then().statusCode(400)
                .body("error.details.field", hasItem("Idempotency-Key"));
    }
}
