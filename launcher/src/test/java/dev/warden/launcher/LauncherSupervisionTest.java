package dev.warden.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.launcher.stack.Stack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher supervises: a service killed with SIGKILL is noticed at once, said so, and restarted; the gateway
 * answers 503 with Retry-After in the error shape meanwhile; a service that stops answering (SIGSTOP) is found by its
 * liveness check, killed and restarted, and a request it held is answered 503 rather than never; PostgreSQL, the broker and Podman's API killed the same
 * way are started again, and nothing acknowledged is lost; and stopping the suite restarts nothing.
 */
class LauncherSupervisionTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    @Test
    void aKilledOrHungServiceIsRestartedAndTheGatewayAnswers503WithRetryAfterMeanwhile() throws Exception {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Map<String, String> settings = new HashMap<>(localSuite(data, "agent-service,audit-service"));
        settings.put("WARDEN_RESTART_BACKOFF", "3"); // long enough that the 503 is there to see whatever the machine's speed
        settings.put("WARDEN_SERVICE_LIVENESS_PERIOD", "1");
        Stack stack = new Stack(LauncherConfig.from(Settings.of(settings)), new Progress(tee(output), Stack.STEPS));
        try {
            Stack.Running running = stack.start();
            String audit = running.gatewayUrl() + "/v1/audit";
            String key = running.adminApiKey();
            assertEquals(200, get(audit, key).statusCode());
            ProcessHandle first = serviceProcess("audit-service");

            first.destroyForcibly();

            AtomicReference<HttpResponse<String>> down = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        down.set(get(audit, key));
                        return down.get().statusCode() == 503;
                    });
            int retryAfter = Integer.parseInt(down.get().headers().firstValue("retry-after").orElseThrow());
            assertTrue(retryAfter >= 1, "Retry-After " + retryAfter);
            // Until the restart (3 s at most), then about its share of the two services' start together: it was told
            // the whole of that (42 s in a user trial whose restarts took 8-12 s)
            java.util.regex.Matcher started = java.util.regex.Pattern.compile("audit-service \\.\\.\\. ready in ([0-9.]+) s")
                    .matcher(output.toString());
            assertTrue(started.find(), output.toString());
            double together = Double.parseDouble(started.group(1));
            assertTrue(retryAfter <= 3 + Math.ceil(together / 2) + 1,
                    "Retry-After " + retryAfter + " for a restart of a service that started in " + together + " s with one other");
            JsonNode error = JSON.readTree(down.get().body()).get("error");
            assertEquals("service_unavailable", error.get("code").asText());
            assertTrue(error.get("message").asText().contains("audit-service"), error.toString());
            assertTrue(error.get("details").isArray());
            await().atMost(Duration.ofSeconds(10)).until(() -> text(output)
                    .contains("audit-service exited with code 137; restarting in 3 s (attempt 2)"));

            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250))
                    .until(() -> get(audit, key).statusCode() == 200);
            await().atMost(Duration.ofSeconds(10)).until(() -> text(output).contains("audit-service is ready again"));
            ProcessHandle second = serviceProcess("audit-service");
            assertNotEquals(first.pid(), second.pid());
            // The other service was not touched.
            String agents = running.gatewayUrl() + "/v1/agents";
            assertEquals(200, get(agents, key).statusCode());

            // A service that stops answering without exiting: the request it holds and the ones after it are answered.
            ProcessHandle hung = serviceProcess("agent-service");
            signal("STOP", hung);
            var held = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(agents)).header("X-API-Key", key)
                    .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(30)).until(() -> text(output).contains(
                    "agent-service did not answer its liveness check (GET /q/health/live within 1 s) 3 times in a row; killing it"));
            HttpResponse<String> answer = held.get(30, TimeUnit.SECONDS);
            assertEquals(503, answer.statusCode(), answer.body());
            assertEquals("service_unavailable", JSON.readTree(answer.body()).get("error").get("code").asText());
            await().atMost(Duration.ofSeconds(10)).until(() -> text(output)
                    .contains("agent-service exited with code 137; restarting in"));
            HttpResponse<String> meanwhile = get(agents, key);
            if (meanwhile.statusCode() != 200) { // it may be back already on a fast machine
                assertEquals(503, meanwhile.statusCode(), meanwhile.body());
                assertTrue(meanwhile.headers().firstValue("retry-after").isPresent());
            }
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250))
                    .until(() -> get(agents, key).statusCode() == 200);
            assertFalse(hung.isAlive());
            assertNotEquals(hung.pid(), serviceProcess("agent-service").pid());
        } finally {
            stack.stop();
        }
        String afterStop = text(output).substring(text(output).indexOf("Stopping Warden"));
        assertFalse(afterStop.contains("restarting in"), afterStop);
    }

    @Test
    void aKilledDatabaseBrokerOrContainerEngineIsStartedAgainAndNothingAcknowledgedIsLost() throws Exception {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Stack stack = new Stack(LauncherConfig.from(Settings.of(localSuite(data, "agent-service,runner-service"))),
                new Progress(tee(output), Stack.STEPS));
        try {
            Stack.Running running = stack.start();
            String agents = running.gatewayUrl() + "/v1/agents";
            String key = running.adminApiKey();
            HttpResponse<String> created = post(agents, key, "{\"name\":\"acknowledged-before-the-kill\",\"runtime\":\"docker\"}");
            assertEquals(201, created.statusCode(), created.body());
            String id = JSON.readTree(created.body()).get("id").asText();
            ProcessHandle first = recorded("postgresql");

            // At once after the 201: a commit acknowledged before its WAL reached the disk would be lost here.
            first.destroyForcibly();

            await().atMost(Duration.ofSeconds(10)).until(() -> text(output).contains("PostgreSQL exited; starting it again"));
            await().atMost(Duration.ofSeconds(60)).until(() -> text(output).contains("PostgreSQL is ready again"));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> get(agents + "/" + id, key).statusCode() == 200);
            assertEquals("acknowledged-before-the-kill",
                    JSON.readTree(get(agents + "/" + id, key).body()).get("name").asText());
            assertNotEquals(first.pid(), recorded("postgresql").pid());

            // Podman's API, which the launcher started: started again, and an agent's container runs on it.
            ProcessHandle engine = podmanApi();
            engine.destroyForcibly();
            await().atMost(Duration.ofSeconds(10)).until(() -> text(output).contains("Podman's API exited; starting it again"));
            await().atMost(Duration.ofSeconds(60)).until(() -> text(output).contains("Podman's API is ready again"));
            String demo = JSON.readTree(post(agents, key, "{\"name\":\"runs-after-the-engine-restart\",\"runtime\":\"docker\"}")
                    .body()).get("id").asText();
            assertEquals(200, post(agents + "/" + demo + "/deploy", key, "{\"image_uri\":\"localhost/warden/demo-agent:1\"}")
                    .statusCode());
            // Until runner-service has heard of the deployment (over Kafka) a run is refused; then it runs.
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                HttpResponse<String> run = post(agents + "/" + demo + "/run", key, "");
                return run.statusCode() == 200 && JSON.readTree(run.body()).path("status").asText().equals("success");
            });
            assertNotEquals(engine.pid(), podmanApi().pid());

            // The broker too: started again, and what was written while it was down is published once it is back.
            // Every agent event so far is out: runner-service ran the agent, so it heard of its deployment, the last.
            String metrics = "http://127.0.0.1:" + running.servicePorts().get("agent-service") + "/q/metrics";
            double before = published(metrics, key);
            recorded("kafka").destroyForcibly();
            await().atMost(Duration.ofSeconds(10)).until(() -> text(output).contains("Kafka exited; starting it again"));
            HttpResponse<String> meanwhile = post(agents, key, "{\"name\":\"created-while-kafka-was-down\",\"runtime\":\"docker\"}");
            assertEquals(201, meanwhile.statusCode(), meanwhile.body());
            await().atMost(Duration.ofSeconds(120)).until(() -> text(output).contains("Kafka is ready again"));
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> published(metrics, key) >= before + 1);
        } finally {
            stack.stop();
        }
        String afterStop = text(output).substring(text(output).indexOf("Stopping Warden"));
        assertFalse(afterStop.contains("PostgreSQL exited"), afterStop);
        assertFalse(afterStop.contains("Kafka exited"), afterStop);
        assertFalse(afterStop.contains("Podman's API exited"), afterStop);
    }

    /** Podman's API the launcher started for this test's data folder. */
    private ProcessHandle podmanApi() {
        String socket = data.resolve("podman/podman.sock").toString();
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("system service")
                        && p.info().commandLine().orElse("").contains(socket))
                .findFirst().orElseThrow(() -> new AssertionError("no Podman API on " + socket));
    }

    private static HttpResponse<String> post(String url, String key, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("X-API-Key", key)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** How many events agent-service's outbox relay has published, from its Prometheus metrics. */
    private static double published(String metrics, String key) throws Exception {
        return get(metrics, key).body().lines().filter(line -> line.startsWith("warden_outbox_published_total "))
                .mapToDouble(line -> Double.parseDouble(line.split(" ")[1])).findFirst().orElse(0);
    }

    /**
     * The settings of a local suite in {@code data} with {@code services} (a comma-separated list), on free ports, as
     * the launcher tests start it.
     */
    static Map<String, String> localSuite(Path data, String services) {
        return Map.of(
                "WARDEN_DATA_DIR", data.toString(),
                "WARDEN_REPO_DIR", Path.of("..").toAbsolutePath().normalize().toString(),
                "WARDEN_PG_PORT", "0",
                "WARDEN_KAFKA_PORT", "0",
                "WARDEN_GATEWAY_PORT", "0",
                "WARDEN_SERVICE_PORTS", "free",
                "WARDEN_SERVICES", services);
    }

    /** The process the launcher recorded under {@code name} in its data folder's {@code run/} (see Leftovers). */
    private ProcessHandle recorded(String name) throws Exception {
        String pid = Files.readString(data.resolve("run").resolve(name + ".pid")).trim().split(" ")[0];
        return ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive)
                .orElseThrow(() -> new AssertionError(name + " " + pid + " is not running"));
    }

    /** The live process of a service this JVM started, found by the jar it runs. */
    static ProcessHandle serviceProcess(String service) {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains(service + "/target/quarkus-app/quarkus-run.jar"))
                .filter(ProcessHandle::isAlive)
                .findFirst().orElseThrow(() -> new AssertionError("no process of " + service));
    }

    /** Progress to the console as usual, and into {@code copy} for the assertions. */
    static PrintStream tee(ByteArrayOutputStream copy) {
        return new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                System.out.write(b);
                synchronized (copy) {
                    copy.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                System.out.write(b, off, len);
                synchronized (copy) {
                    copy.write(b, off, len);
                }
            }
        }, true, StandardCharsets.UTF_8);
    }

    static String text(ByteArrayOutputStream output) {
        synchronized (output) {
            return output.toString(StandardCharsets.UTF_8);
        }
    }

    private static void signal(String signal, ProcessHandle process) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor());
    }

    private static HttpResponse<String> get(String url, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("X-API-Key", key)
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
