package dev.warden.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.events.KafkaAccess;
import dev.warden.events.Topics;
import dev.warden.launcher.stack.Stack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole suite as {@code bin/warden up} starts it (real PostgreSQL, Kafka, agent-service, gateway), on free ports
 * and a temporary data folder, used through the gateway; then started again on the same folder to show data survives.
 */
class LauncherStackTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    @Test
    void servesTheApiThroughTheGatewayAndKeepsDataBetweenRuns() throws Exception {
        // The services this test needs, so it stays quick as services are added to routes.json.
        LauncherConfig config = LauncherConfig.from(Settings.of(
                LauncherSupervisionTest.localSuite(data, "agent-service,audit-service")));

        Stack first = new Stack(config, new Progress(System.out, Stack.STEPS));
        String agentName = "launcher-test-agent";
        String key;
        try {
            Stack.Running running = first.start();
            key = running.adminApiKey();
            String url = running.gatewayUrl();

            HttpResponse<String> list = send("GET", url + "/v1/agents", key, null);
            assertEquals(200, list.statusCode(), list.body());
            assertTrue(JSON.readTree(list.body()).get("agents").isArray());

            HttpResponse<String> created = send("POST", url + "/v1/agents", key,
                    "{\"name\": \"" + agentName + "\", \"runtime\": \"docker\"}");
            assertEquals(201, created.statusCode(), created.body());
            assertEquals(agentName, JSON.readTree(created.body()).get("name").asText());
            // Location names the gateway the caller used, port and all, and answers there (it lost the port: the
            // service read the gateway's X-Forwarded-Proto without a port as the scheme's default, 80)
            String location = created.headers().firstValue("Location").orElseThrow();
            assertEquals(url + "/v1/agents/" + JSON.readTree(created.body()).get("id").asText(), location);
            assertEquals(200, send("GET", location, key, null).statusCode());

            HttpResponse<String> unknown = send("GET", url + "/v1/no-such-thing", key, null);
            assertEquals(404, unknown.statusCode());
            JsonNode error = JSON.readTree(unknown.body()).get("error");
            assertEquals("not_found", error.get("code").asText());
            assertTrue(error.get("details").isArray());

            assertEquals(401, send("GET", url + "/v1/agents", null, null).statusCode());

            assertTheControllerRefusesAClientWithoutCredentials();
            assertEachServiceConnectsAsARoleThatReachesItsOwnDatabaseOnly();

            // Over the request limits, through the gateway: each in the error shape (a 2 MB body was a 502 before).
            HttpResponse<String> body = send("POST", url + "/v1/agents", key,
                    "{\"name\": \"" + "a".repeat(2 * 1024 * 1024) + "\", \"runtime\": \"docker\"}");
            assertEquals(413, body.statusCode());
            assertEquals("payload_too_large", JSON.readTree(body.body()).at("/error/code").asText());
            // Chunked, with no length to refuse it by: the gateway counts it as it comes.
            byte[] huge = ("{\"name\": \"" + "a".repeat(2 * 1024 * 1024) + "\", \"runtime\": \"docker\"}")
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> chunked = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/agents"))
                    .header("X-API-Key", key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(413, chunked.statusCode());
            assertEquals("payload_too_large", JSON.readTree(chunked.body()).at("/error/code").asText());
            HttpResponse<String> headers = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/agents"))
                    .header("X-API-Key", key).header("X-Big", "b".repeat(20_000)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(431, headers.statusCode());
            assertEquals("headers_too_large", JSON.readTree(headers.body()).at("/error/code").asText());
            HttpResponse<String> uri = send("GET", url + "/v1/agents/" + "a".repeat(5_000), key, null);
            assertEquals(414, uri.statusCode());
            assertEquals("uri_too_long", JSON.readTree(uri.body()).at("/error/code").asText());

            // audit-service records the creation from Kafka, and signs its chain head with the stored key.
            awaitAuditEntries(url, key);
            assertTheAuditReaderReadsTheAuditTopicAndNothingElse(running.auditReaderFile());
            // Signed now (201), or by the periodic round a moment before (200: the head unmoved since)
            int signed = send("POST", url + "/v1/audit/checkpoints", key, null).statusCode();
            assertTrue(signed == 201 || signed == 200, "signing the head answered " + signed);

            // Each service's metrics, where the ready summary says, without a key.
            ByteArrayOutputStream summary = new ByteArrayOutputStream();
            Launcher.printSummary(new PrintStream(summary, true, StandardCharsets.UTF_8), running);
            assertEquals(java.util.List.of("agent-service", "audit-service"), running.services());
            for (String metricsUrl : running.metricsUrls().values()) {
                assertTrue(summary.toString(StandardCharsets.UTF_8).contains(metricsUrl), summary.toString(StandardCharsets.UTF_8));
                assertTrue(summary.toString(StandardCharsets.UTF_8).contains("audit-reader.properties"), summary.toString(StandardCharsets.UTF_8));
                HttpResponse<String> metrics = send("GET", metricsUrl, null, null);
                assertEquals(200, metrics.statusCode(), metricsUrl);
                assertTrue(metrics.body().contains("warden_outbox_published_total"), metricsUrl);
            }
            // Each service's OpenAPI document through the gateway, where the summary says, for a client generator
            assertTrue(summary.toString(StandardCharsets.UTF_8).contains(url + "/openapi/"), summary.toString(StandardCharsets.UTF_8));
            for (String service : running.services()) {
                HttpResponse<String> document = send("GET", url + "/openapi/" + service + "?format=json", null, null);
                assertEquals(200, document.statusCode(), service);
                assertTrue(document.body().replace(" ", "").contains("\"title\":\"Warden" + service + "API\""),
                        document.body());
            }
        } finally {
            first.stop();
        }
        // The demo admin key was generated once and stored for the next run.
        assertEquals(key, Files.readString(data.resolve("secrets/demo-admin-api-key")).trim());
        assertTrue(Files.isRegularFile(data.resolve("logs/agent-service.log")));

        Stack second = new Stack(config, new Progress(System.out, Stack.STEPS));
        try {
            Stack.Running running = second.start();
            assertEquals(key, running.adminApiKey());
            HttpResponse<String> list = send("GET", running.gatewayUrl() + "/v1/agents", key, null);
            assertEquals(200, list.statusCode(), list.body());
            assertTrue(list.body().contains("\"" + agentName + "\""), list.body());

            // Same signing key after a restart: the checkpoint signed in the first run still verifies.
            JsonNode verification = JSON.readTree(send("GET", running.gatewayUrl() + "/v1/audit/verify", key, null).body());
            assertTrue(verification.get("valid").asBoolean(), verification.toString());
            assertTrue(verification.at("/checkpoint/signature_valid").asBoolean(), verification.toString());

            // An admin revokes the demo key (with another admin key: the last one in force is never revoked): the
            // next start must not wait for it for ever.
            HttpResponse<String> another = send("POST", running.gatewayUrl() + "/v1/api-keys", key,
                    "{\"name\": \"another admin\", \"role\": \"admin\"}");
            assertEquals(201, another.statusCode(), another.body());
            JsonNode keys = JSON.readTree(send("GET", running.gatewayUrl() + "/v1/api-keys", key, null).body());
            String demoKeyId = null;
            for (JsonNode k : keys.get("api_keys")) {
                if (k.get("name").asText().equals("bootstrap admin")) {
                    demoKeyId = k.get("id").asText();
                }
            }
            assertEquals(200, send("DELETE", running.gatewayUrl() + "/v1/api-keys/" + demoKeyId, key, null).statusCode());
        } finally {
            second.stop();
        }

        // Started again: a new demo key is made and printed (the revoked one is never restored), and the data is there.
        Stack third = new Stack(config, new Progress(System.out, Stack.STEPS));
        String platformKey;
        try {
            Stack.Running running = third.start();
            String renewed = running.adminApiKey();
            assertTrue(!renewed.equals(key), "the revoked key again");
            assertEquals(renewed, Files.readString(data.resolve("secrets/demo-admin-api-key")).trim());
            assertEquals(401, send("GET", running.gatewayUrl() + "/v1/agents", key, null).statusCode());
            HttpResponse<String> list = send("GET", running.gatewayUrl() + "/v1/agents", renewed, null);
            assertEquals(200, list.statusCode(), list.body());
            assertTrue(list.body().contains("\"" + agentName + "\""), list.body());

            // The platform admin disables the demo organization: the next start goes on and says how to enable it.
            platformKey = Files.readString(running.platformKeyFile()).trim();
            String demoOrg = null;
            for (JsonNode org : JSON.readTree(send("GET", running.gatewayUrl() + "/v1/orgs?limit=100", platformKey, null)
                    .body()).get("organizations")) {
                if (org.get("name").asText().equals("demo")) {
                    demoOrg = org.get("id").asText();
                }
            }
            assertEquals(200, send("POST", running.gatewayUrl() + "/v1/orgs/" + demoOrg + "/disable", platformKey, null)
                    .statusCode());
        } finally {
            third.stop();
        }
        Stack fourth = new Stack(LauncherConfig.from(Settings.of(LauncherSupervisionTest.localSuite(data, "agent-service"))),
                new Progress(System.out, Stack.STEPS));
        try {
            Stack.Running running = fourth.start();
            ByteArrayOutputStream summary = new ByteArrayOutputStream();
            Launcher.printSummary(new PrintStream(summary, true, StandardCharsets.UTF_8), running);
            String printed = summary.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("disabled: POST /v1/orgs/"), printed);
            String enable = running.adminKeyNote().replaceAll(".*(/v1/orgs/[^ ]+/enable).*", "$1");
            assertEquals(200, send("POST", running.gatewayUrl() + enable, platformKey, null).statusCode());
            HttpResponse<String> list = send("GET", running.gatewayUrl() + "/v1/agents", running.adminApiKey(), null);
            assertEquals(200, list.statusCode(), list.body());
        } finally {
            fourth.stop();
        }
    }

    /**
     * Each service has a database role of its own, which reaches its database and no other: agent-service's credential
     * opens nothing of audit-service's, and the role every service once shared ({@code warden_app}) connects to neither.
     */
    private void assertEachServiceConnectsAsARoleThatReachesItsOwnDatabaseOnly() throws Exception {
        int port = Integer.parseInt(Files.readAllLines(data.resolve("postgres/postmaster.pid")).get(3).trim());
        Map<String, String> databases = Map.of("agent-service", "warden_agent", "audit-service", "warden_audit");
        Map<String, String> passwords = new HashMap<>();
        for (var service : databases.entrySet()) {
            passwords.put(service.getValue() + "_app",
                    Files.readString(data.resolve("secrets/db-password-" + service.getKey())).trim());
        }
        passwords.put("warden_app", Files.readString(data.resolve("secrets/db-app-password")).trim());
        // No login without its password, the superuser's included: PostgreSQL was made trusting every local user
        String superPassword = Files.readString(data.resolve("secrets/" + Stack.POSTGRES_SUPERUSER_FILE)).trim();
        String postgres = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        try (Connection c = DriverManager.getConnection(postgres, "postgres", superPassword)) {
            assertTrue(c.isValid(5));
        }
        for (String[] login : new String[][] {{"postgres", "postgres"}, {"warden_agent_app", "wrong"}}) {
            SQLException refused = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(postgres, login[0], login[1]).close(), String.join("/", login));
            assertEquals("28P01", refused.getSQLState(), refused.getMessage()); // password authentication failed
        }
        // PostgreSQL's own log is kept, refused logins and all (it went to a pipe no one read)
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(data.resolve("logs/postgres.log"))
                .contains("password authentication failed for user \"warden_agent_app\""));
        for (var login : passwords.entrySet()) {
            for (String database : databases.values()) {
                String url = "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
                if (login.getKey().equals(database + "_app")) {
                    try (Connection c = DriverManager.getConnection(url, login.getKey(), login.getValue())) {
                        assertTrue(c.isValid(5), login.getKey() + " on " + database);
                    }
                } else {
                    SQLException refused = assertThrows(SQLException.class, () ->
                            DriverManager.getConnection(url, login.getKey(), login.getValue()).close(),
                            login.getKey() + " on " + database);
                    assertEquals("42501", refused.getSQLState(), refused.getMessage()); // permission denied for database
                }
            }
        }
    }

    /**
     * The broker's controller listener, which an Admin client may use directly ({@code bootstrap.controllers},
     * KIP-919), answers no local process without the broker's own login: neither listing nor creating an ACL (here
     * one giving audit-service write access to the API keys topic) gets through within the client's 5 s timeout.
     */
    private void assertTheControllerRefusesAClientWithoutCredentials() throws Exception {
        Properties server = new Properties();
        try (var reader = Files.newBufferedReader(data.resolve("kafka/server.properties"))) {
            server.load(reader);
        }
        String voters = server.getProperty("controller.quorum.voters");
        String controller = voters.substring(voters.indexOf('@') + 1);
        AclBinding forged = new AclBinding(new ResourcePattern(ResourceType.TOPIC, Topics.ACCESS, PatternType.LITERAL),
                new AccessControlEntry("User:" + KafkaAccess.AUDIT_SERVICE.principal(), "*", AclOperation.WRITE,
                        AclPermissionType.ALLOW));
        try (Admin anonymous = Admin.create(Map.<String, Object>of(
                AdminClientConfig.BOOTSTRAP_CONTROLLERS_CONFIG, controller,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000))) {
            ExecutionException listing = assertThrows(ExecutionException.class,
                    () -> anonymous.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, listing.getCause(), controller);
            ExecutionException creating = assertThrows(ExecutionException.class,
                    () -> anonymous.createAcls(List.of(forged)).all().get(30, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, creating.getCause(), controller);
        }
    }

    /**
     * What the ready summary hands an outside consumer (docs/audit-topic-consumer.md): a client configuration, owner-only,
     * that reads warden.audit.v1 from the start, and neither reads the API keys' topic nor writes the audit topic.
     */
    private static void assertTheAuditReaderReadsTheAuditTopicAndNothingElse(Path file) throws Exception {
        assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"),
                Files.getPosixFilePermissions(file));
        Properties settings = new Properties();
        try (var reader = Files.newBufferedReader(file)) {
            settings.load(reader);
        }
        settings.put("auto.offset.reset", "earliest");
        settings.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        settings.put("value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        settings.put("group.id", "audit-reader-launcher-test");
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(settings)) {
            consumer.subscribe(List.of(Topics.AUDIT));
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
            boolean entry = false;
            while (!entry && System.nanoTime() < deadline) {
                for (var record : consumer.poll(java.time.Duration.ofSeconds(1))) {
                    entry |= record.value().contains("\"dev.warden.audit.entry-recorded.v1\"");
                }
            }
            assertTrue(entry, "the audit reader read no audit entry");
        }
        settings.put("group.id", "audit-reader-launcher-test-access");
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(settings)) {
            consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(Topics.ACCESS, 0)));
            assertThrows(org.apache.kafka.common.errors.TopicAuthorizationException.class,
                    () -> consumer.poll(java.time.Duration.ofSeconds(10)));
        }
        Properties producing = new Properties();
        producing.putAll(settings);
        producing.put("key.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
        producing.put("value.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
        producing.put("max.block.ms", "10000");
        producing.put("enable.idempotence", "false"); // else refused for the cluster's idempotent write, before the topic
        producing.put("acks", "1");
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(producing)) {
            ExecutionException refused = assertThrows(ExecutionException.class, () -> producer.send(
                    new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.AUDIT, "forged", "{}")).get(30, TimeUnit.SECONDS));
            assertInstanceOf(org.apache.kafka.common.errors.TopicAuthorizationException.class, refused.getCause());
        }
    }

    private static void awaitAuditEntries(String url, String key) throws Exception {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> audit = send("GET", url + "/v1/audit", key, null);
            if (audit.statusCode() == 200 && JSON.readTree(audit.body()).get("total").asInt() > 0) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("audit-service recorded nothing");
    }

    private static HttpResponse<String> send(String method, String url, String key, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
