package dev.warden.runner.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.testing.EventTap;
import dev.warden.testing.HealthProbe;
import dev.warden.testing.LocalPodman;
import dev.warden.testing.TestEvents;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.WardenInfra;
import dev.warden.testing.WardenTestResource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash safety for real: runner-service (the packaged application, in its own JVM) starts a long run, is killed with
 * SIGKILL mid-run, and leaves the container behind; started again, it finds the container by its labels, kills and
 * removes it, and records the execution as {@code error} with its finished event. And a second replica started under
 * a live one's instance name removes nothing until the first is gone.
 */
class OrphanCleanupIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String IMAGE = "localhost/warden/it-sleep:2";
    /** What the run prints on each stream before it sleeps: its record keeps it when its replica is gone. */
    private static final String PRINTED = "working-before-the-crash";
    private static final String PRINTED_ERR = "a-warning-before-the-crash";
    private final HttpClient http = HttpClient.newHttpClient();
    private Process service;
    private Process second;

    @AfterEach
    void stop() {
        for (Process process : new Process[] {service, second}) {
            if (process != null) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void aRunnerKilledMidRunRemovesItsOrphanedContainerOnRestartAndRecordsTheRunAsError() throws Exception {
        Replicas replicas = replicas("warden_runner_it");
        Map<String, String> config = replicas.config();
        String bootstrap = replicas.bootstrap();
        TestOrg org = replicas.org();
        LocalPodman podman = replicas.podman();
        service = start(config, "first");
        String agent = deploy(bootstrap, org);
        String base = baseOf(config);
        String execution = running(base, agent, org, podman);

        service.destroyForcibly().waitFor();
        assertFalse(running(podman, execution).isEmpty(), "the killed runner left its container behind");

        service = start(config, "second");
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
                "error".equals(JSON.readTree(get(base + "/v1/executions/" + execution, org.key("viewer")).body())
                        .path("status").asText()));
        assertEquals("", running(podman, execution), "the orphan is removed");
        keepsWhatItPrinted(JSON.readTree(get(base + "/v1/executions/" + execution, org.key("viewer")).body()));
        try (EventTap tap = new EventTap(bootstrap, Topics.EXECUTIONS)) {
            // At least once: the killed relay may have published started without deleting its row, so it can come twice.
            JsonNode finished = EventTap.json(tap.await(r -> agent.equals(EventTap.json(r).path("subject").asText())
                    && EventTypes.EXECUTION_FINISHED.equals(EventTap.json(r).path("type").asText()), 1, WAIT).getFirst());
            assertEquals("error", finished.path("data").path("status").asText());
            assertEquals(execution, finished.path("data").path("execution_id").asText());
            assertTrue(finished.path("data").path("error").asText().contains("restarted"));
            assertEquals(1, finished.path("data").path("stdout_lines").asInt(), finished.toString());
            assertEquals(1, finished.path("data").path("stderr_lines").asInt(), finished.toString());
        }
    }

    /**
     * Two live replicas never share an instance name: a second replica started under a live one's name neither removes
     * the first's running container nor runs anything; it is not ready and says who holds the name, and once the first
     * is gone it takes the name, removes what the first left and records its run as {@code error}.
     */
    @Test
    void aSecondReplicaUnderALiveOnesInstanceNameWaitsForItAndRemovesNothingUntilTheFirstIsGone() throws Exception {
        Replicas replicas = replicas("warden_runner_it2");
        Map<String, String> config = replicas.config();
        TestOrg org = replicas.org();
        LocalPodman podman = replicas.podman();
        service = start(config, "holder");
        String agent = deploy(replicas.bootstrap(), org);
        String first = baseOf(config);
        String execution = running(first, agent, org, podman);

        Map<String, String> secondConfig = new HashMap<>(config);
        int secondPort = freePort();
        secondConfig.put("quarkus.http.port", String.valueOf(secondPort));
        second = launch(secondConfig, "same-name");
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertTrue(second.isAlive(), "the second replica exited: " + Files.readString(log("same-name")));
            return Files.readString(log("same-name")).contains("held by another live replica");
        });
        // It serves once its start has waited for the name a while (not ready): nothing listens before that.
        HealthProbe ready = Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> HealthProbe.ready(secondPort, WAIT), probe -> probe.status() != 0);
        assertEquals(503, ready.status(), ready.body().toString());
        assertEquals("DOWN", ready.check("runner instance"), ready.body().toString());
        assertTrue(ready.reason("runner instance").contains("held by another live replica, 'warden runner-instance pid "),
                ready.reason("runner instance"));
        // Out of its Service's endpoints, so that the gateway sends runs to the replica that can run them
        HealthProbe serving = HealthProbe.serving(secondPort, WAIT);
        assertEquals(503, serving.status(), serving.body().toString());
        assertEquals(200, HealthProbe.serving(Integer.parseInt(config.get("quarkus.http.port")), WAIT).status());
        assertFalse(running(podman, execution).isEmpty(), "the second replica removed the first's running container");
        HttpResponse<String> refused = post("http://127.0.0.1:" + secondPort + "/v1/agents/" + agent + "/run?async=true",
                org.key("operator"));
        assertEquals(503, refused.statusCode(), refused.body());
        assertEquals("running", JSON.readTree(get(first + "/v1/executions/" + execution, org.key("viewer")).body())
                .path("status").asText());

        service.destroyForcibly().waitFor();
        HealthProbe.awaitReady(secondPort, Duration.ofSeconds(5), WAIT);
        String base = "http://127.0.0.1:" + secondPort;
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
                "error".equals(JSON.readTree(get(base + "/v1/executions/" + execution, org.key("viewer")).body())
                        .path("status").asText()));
        assertEquals("", running(podman, execution), "the first's orphan is removed once it is gone");
    }

    /**
     * A replica gone for good (scaled away) leaves its runs to the others: once no replica has held its instance name
     * for {@code warden.runner.gone-after}, a replica of another name removes its container from the shared engine and
     * records its run as {@code error}.
     */
    @Test
    void aReplicaGoneForGoodHasItsRunsTakenOverByAnotherOnce() throws Exception {
        Replicas replicas = replicas("warden_runner_it3");
        Map<String, String> config = replicas.config();
        TestOrg org = replicas.org();
        LocalPodman podman = replicas.podman();
        String gone = config.get("warden.runner.instance");
        config.put("warden.runner.gone-after", "10s");
        service = start(config, "scaled-away");
        String agent = deploy(replicas.bootstrap(), org);
        String execution = running(baseOf(config), agent, org, podman);
        service.destroyForcibly().waitFor();

        Map<String, String> otherConfig = new HashMap<>(config);
        otherConfig.put("quarkus.http.port", String.valueOf(freePort()));
        otherConfig.put("warden.runner.instance", "it-other-" + UUID.randomUUID());
        second = start(otherConfig, "other");
        String base = baseOf(otherConfig);
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
                "error".equals(JSON.readTree(get(base + "/v1/executions/" + execution, org.key("viewer")).body())
                        .path("status").asText()));
        JsonNode taken = JSON.readTree(get(base + "/v1/executions/" + execution, org.key("viewer")).body());
        assertTrue(taken.path("error").asText().contains("'" + gone + "'") && taken.path("error").asText()
                .contains("was not back 10 s later"), taken.toString());
        assertEquals("", running(podman, execution), "the gone replica's container is removed");
        keepsWhatItPrinted(taken);
    }

    /** What replicas of one test share: their configuration (a fresh instance name and port), broker, organization. */
    private record Replicas(Map<String, String> config, String bootstrap, TestOrg org, LocalPodman podman) {
    }

    /** A database of its own, the engine with the test's image, an organization and the agents' topic ready. */
    private static Replicas replicas(String database) throws IOException {
        WardenTestResource infra = new WardenTestResource();
        infra.init(Map.of("database", database, "kafka-principal", "runner-service"));
        Map<String, String> config = new HashMap<>(infra.start());
        LocalPodman podman = WardenInfra.podman();
        podman.importImage(IMAGE, List.of("sh", "-c", "echo " + PRINTED + "; echo " + PRINTED_ERR + " >&2; sleep 600"));
        config.put("quarkus.http.port", String.valueOf(freePort()));
        config.put("warden.runner.docker-host", podman.dockerHost());
        config.put("warden.runner.instance", "it-" + UUID.randomUUID());
        config.put("warden.outbox.poll-interval", "200ms");
        // The packaged service migrates at start only when told to (production runs migrations as a step before).
        config.put("warden.db.migration.at-start", "true");
        String bootstrap = config.get("kafka.bootstrap.servers");
        // Readiness waits for the access topic: the organization exists before the service starts.
        TestOrg org = TestOrganizations.create(bootstrap, "operator", "viewer");
        TestEvents.ensureTopic(bootstrap, Topics.AGENTS);
        return new Replicas(config, bootstrap, org, podman);
    }

    private static String baseOf(Map<String, String> config) {
        return "http://127.0.0.1:" + config.get("quarkus.http.port");
    }

    /**
     * Once the replica at {@code base} knows the agent, a run of it started and its container running, having printed
     * its lines: its id.
     */
    private String running(String base, String agent, TestOrg org, LocalPodman podman) throws IOException {
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
                get(base + "/v1/agents/" + agent + "/executions", org.key("viewer")).statusCode() == 200);
        String execution = runAsync(base, agent, org);
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() ->
                !running(podman, execution).isEmpty()
                        && podman.podman("logs", running(podman, execution)).contains(PRINTED_ERR));
        return execution;
    }

    /** The run's record keeps what its container printed before its replica was gone, read before it was removed. */
    private static void keepsWhatItPrinted(JsonNode execution) {
        assertEquals(List.of(PRINTED), JSON.convertValue(execution.path("stdout"), List.class), execution.toString());
        assertEquals(List.of(PRINTED_ERR), JSON.convertValue(execution.path("stderr"), List.class), execution.toString());
        assertTrue(execution.path("image_digest").asText().startsWith("sha256:"), execution.toString());
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Version 1 of a new agent as agent-service makes it: a deploy (a run needs the version's deploy recorded). */
    private static String deploy(String bootstrap, TestOrg org) {
        String agent = UUID.randomUUID().toString();
        TestEvents.publish(bootstrap, Topics.AGENTS, List.of(CloudEvent.of("/warden/agent-service",
                EventTypes.AGENT_DEPLOYED, agent, org.id(), Map.of("agent", Map.of("id", agent, "image_uri", IMAGE,
                        "status", "active", "version", 1, "revision", 1), "deployment", Map.of("id",
                        UUID.randomUUID().toString(), "agent_id", agent, "version", 1, "image_uri", IMAGE,
                        "created_at", java.time.Instant.now().toString())))));
        return agent;
    }

    /** Starts a run of {@code agent} without waiting for it; answers its execution id. */
    private String runAsync(String base, String agent, TestOrg org) throws IOException {
        HttpResponse<String> accepted = post(base + "/v1/agents/" + agent + "/run?async=true", org.key("operator"));
        assertEquals(202, accepted.statusCode(), accepted.body());
        return JSON.readTree(accepted.body()).path("execution_id").asText();
    }

    private HttpResponse<String> post(String url, String key) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).header("X-API-Key", key)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> get(String url, String key) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).header("X-API-Key", key).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new FakeDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String running(LocalPodman podman, String execution) {
        return podman.podman("ps", "-a", "-q", "--filter", "label=dev.warden.runner.execution=" + execution).trim();
    }

    /** Starts the packaged runner-service with {@code config} as system properties; returns once it is ready. */
    private Process start(Map<String, String> config, String name) throws IOException {
        Process process = launch(config, name);
        Path log = log(name);
        String ready = "http://127.0.0.1:" + config.get("quarkus.http.port") + "/q/health/ready";
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertTrue(process.isAlive(), "runner-service exited: " + Files.readString(log));
            return get(ready, "").statusCode() == 200;
        });
        return process;
    }

    /** Starts the packaged runner-service with {@code config} as system properties, its output in {@link #log}. */
    private static Process launch(Map<String, String> config, String name) throws IOException {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertTrue(Files.isRegularFile(jar), "the packaged application is missing: " + jar.toAbsolutePath());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m"));
        config.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log(name).toFile()).start();
    }

    private static Path log(String name) {
        return Path.of("target", "it-runner-" + name + ".log");
    }

    /** A request that found nobody listening. */
    private static final class FakeDown implements HttpResponse<String> {
        @Override public int statusCode() { return 0; }
        @Override public HttpRequest request() { return null; }
        @Override public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
        @Override public java.net.http.HttpHeaders headers() { return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true); }
        @Override public String body() { return "{}"; }
        @Override public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return java.util.Optional.empty(); }
        @Override public URI uri() { return null; }
        @Override public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
    }
}
