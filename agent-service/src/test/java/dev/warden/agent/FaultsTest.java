package dev.warden.agent;

import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.AgentOutageProfile;
import dev.warden.agent.support.Events;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.api.UnavailableException;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.testing.CuttableProxy;
import dev.warden.testing.HealthProbe;
import dev.warden.testing.LogCapture;
import dev.warden.testing.RequestLoad;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.IntSupplier;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real outages (proxies cut in front of PostgreSQL and Kafka, a PostgreSQL stopped and started, its sessions ended):
 * requests answer 503 with Retry-After in the error shape, readiness answers at once and names what is down, liveness stays UP, and everything works again once
 * the dependency is back, with nothing unexpected in the log.
 */
@QuarkusTest
@TestProfile(AgentOutageProfile.class)
class FaultsTest {

    /** The client gives up after this: readiness's own bound is 500 ms per dependency. */
    private static final Duration PROMPTLY = Duration.ofSeconds(2);
    private static final Duration RECOVERY = Duration.ofSeconds(30);
    /** OutageProfile's warden.db.start-timeout (3 s) and room to spare, far below the pool's own 30 s wait. */
    private static final Duration WITHIN_START_DEADLINE = Duration.ofSeconds(12);

    private LogCapture log;
    private Tenant tenant;

    @BeforeEach
    void organization() {
        tenant = Tenants.create();
        log = LogCapture.start();
    }

    @AfterEach
    void restore() {
        WardenInfra.endOutages();
        log.close();
    }

    @Test
    void aDatabaseOutageIsA503WithRetryAfterAndReadinessNamesTheDatabase() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");

        WardenInfra.postgresProxy().cut();

        for (var request : List.of(tenant.admin().when().get("/v1/agents/" + id).then(),
                tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then(),
                tenant.admin().get("/v1/agents").then())) {
            request.statusCode(503).header("Retry-After", "5").contentType(containsString("application/json"))
                    .body("error.code", equalTo("service_unavailable"))
                    .body("error.message", equalTo("The database is unavailable; try again later"))
                    .body("error.details.size()", equalTo(0));
        }
        HealthProbe ready = HealthProbe.ready(RestAssured.port, PROMPTLY);
        assertEquals(503, ready.status());
        assertEquals("DOWN", ready.check("database"));
        assertNotNull(ready.reason("database"));
        assertEquals("UP", ready.check("kafka"));
        assertEquals(200, HealthProbe.live(RestAssured.port, PROMPTLY).status(), "liveness does not depend on the database");

        WardenInfra.postgresProxy().restore();

        Awaitility.await().atMost(RECOVERY).pollInterval(Duration.ofMillis(200))
                .until(() -> tenant.admin().get("/v1/agents/" + id).statusCode() == 200);
        tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201);
        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
        assertFalse(log.mentioning("Answered 503").isEmpty(), "the log capture sees the service's warnings");
        log.assertNoNoise();
    }

    @Test
    void aDatabaseThatStopsAnsweringIsA503WithinTheStartDeadlineAndWhatWasAskedMeanwhileIsNeverWritten() {
        // Without the deadline a request waits for the pool's 30 s: the client gives up well before that.
        RestAssuredConfig patient = RestAssured.config().httpClient(HttpClientConfig.httpClientConfig()
                .setParam("http.socket.timeout", (int) WITHIN_START_DEADLINE.toMillis()));
        Map<String, Object> asked = new java.util.HashMap<>(AgentMother.triageAgent());
        asked.put("name", "asked-while-silent-" + System.nanoTime());

        WardenInfra.postgresProxy().silence();

        for (var request : List.of(tenant.admin().config(patient).when().get("/v1/agents").then(),
                tenant.admin().config(patient).body(asked).post("/v1/agents").then())) {
            request.statusCode(503).header("Retry-After", "5").contentType(containsString("application/json"))
                    .body("error.code", equalTo("service_unavailable"))
                    .body("error.message", equalTo("The database is unavailable; try again later"));
        }

        WardenInfra.postgresProxy().restore();

        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
        // A later marker: an agent created after the database is back is listed, the one asked for meanwhile is not.
        String later = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        List<Map<String, Object>> agents = tenant.admin().get("/v1/agents?limit=100").then().statusCode(200)
                .extract().path("agents");
        assertTrue(agents.stream().anyMatch(a -> later.equals(a.get("id"))), "the later agent is listed: " + agents);
        assertTrue(agents.stream().noneMatch(a -> asked.get("name").equals(a.get("name"))),
                "a create answered 503 was written after all: " + agents);
    }

    @Test
    void aDatabaseThatVanishesWithoutClosingItsConnectionsCostsRequestsA503AndItsEventsStillGoOut() {
        try (RequestLoad load = load(tenant)) {
            load.awaitMore(200);
            // Every connection open now, under load, loses its server without a word (a failover behind a network that
            // drops packets): the pool's (as many as the eight clients keep busy, short of its twenty) and the outbox
            // relay's, which holds the relay's lock.
            WardenInfra.postgresProxy().strand();
            // A request that meets a dead connection is a 503 at its start deadline; fresh connections serve the rest.
            Awaitility.await().atMost(RECOVERY).until(() -> load.statuses().contains(503));
            load.awaitMore(200);
            load.close();
            assertEquals(Set.of(200, 503), load.statuses(), "answers: " + load);
        }
        String id = Awaitility.await().atMost(RECOVERY).pollInterval(Duration.ofMillis(200)).until(() -> {
            var created = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents");
            return created.statusCode() == 201 ? created.path("id").toString() : null;
        }, Objects::nonNull);
        // The relay's read times out (warden.outbox.leader-read-timeout), it reconnects, leads again and publishes.
        assertEquals(1, Events.about(Topics.AGENTS, id, 1).size());
    }

    @Test
    void requestsInFlightWhenTheDatabaseIsCutOffAnswer503AndLaterOnesSucceed() {
        try (RequestLoad load = load(tenant)) {
            load.awaitMore(200);
            WardenInfra.postgresProxy().cut();
            load.awaitMore(503);
            WardenInfra.postgresProxy().restore();
            load.awaitMore(200);
            load.close();
            assertEquals(Set.of(200, 503), load.statuses(), "answers: " + load);
        }
        assertFalse(log.mentioning("Answered 503").isEmpty(), "the log capture sees the service's warnings");
        log.assertNoNoise();
    }

    @Test
    void requestsInFlightWhenTheDatabaseStopsAnswer503AndLaterOnesSucceedOnceItIsBack() {
        try (RequestLoad load = load(tenant)) {
            load.awaitMore(200);
            // As a server shutdown does, under load: every session is told FATAL 57P01 and closed.
            for (int round = 0; round < 3; round++) {
                WardenInfra.outagePostgres().terminateAppSessions("warden_agent_test");
                load.awaitMore(200);
            }
            WardenInfra.outagePostgres().stopServer();
            load.awaitMore(503);
            WardenInfra.outagePostgres().startServer();
            load.awaitMore(200);
            load.close();
            assertEquals(Set.of(200, 503), load.statuses(), "answers: " + load);
        }
        assertFalse(log.mentioning("Answered 503").isEmpty(), "the log capture sees the service's warnings");
        log.assertNoNoise();
    }

    @Test
    void aBrokerOutageMakesReadinessNameKafkaWhileWritesStillSucceed() {
        CuttableProxy kafka = WardenInfra.kafkaProxy();
        String viewer = tenant.key("viewer");
        String viewerId = tenant.admin().get("/v1/api-keys").then().extract()
                .path("api_keys.find { it.role == 'viewer' }.id");

        kafka.cut();

        HealthProbe ready = HealthProbe.ready(RestAssured.port, PROMPTLY);
        assertEquals(503, ready.status());
        assertEquals("DOWN", ready.check("kafka"));
        assertNotNull(ready.reason("kafka"));
        assertEquals("UP", ready.check("database"));
        assertEquals(200, HealthProbe.live(RestAssured.port, PROMPTLY).status(), "liveness does not depend on Kafka");
        // What a Kubernetes readinessProbe asks: this replica can serve (its access directory is current); the broker,
        // shared by every replica, must not take them all out of the gateway at once
        HealthProbe serving = HealthProbe.serving(RestAssured.port, PROMPTLY);
        assertEquals(200, serving.status());
        assertEquals("UP", serving.check("access-directory"));
        assertEquals(null, serving.check("kafka"));
        // No request needs the broker: a change waits in the outbox and is published once it is back.
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        // But a suspension's answer promises that no run starts after it, which needs the broker: a 503 after
        // warden.outbox.delivery-timeout, the suspension committed all the same; asked again once it is back, a 200.
        tenant.admin().post("/v1/agents/" + id + "/suspend").then().statusCode(503).header("Retry-After", "5")
                .body("error.code", equalTo("service_unavailable"))
                .body("error.message", equalTo("The event stream is unavailable: " + UnavailableException.COMMITTED));
        tenant.admin().get("/v1/agents/" + id).then().statusCode(200).body("status", equalTo("suspended"));
        // So does a revocation's: from its answer on the key is refused, which no service knows before the event
        // arrives. Committed, not yet in force: a 503, and the key still works until the broker is back.
        tenant.admin().delete("/v1/api-keys/" + viewerId).then().statusCode(503).header("Retry-After", "5")
                .body("error.message", equalTo("The access directory is unavailable: " + UnavailableException.COMMITTED));
        tenant.as(viewer).get("/v1/agents").then().statusCode(200);
        // A new key's secret is shown once: its answer shows it all the same, as accepted and not yet in force (a 503
        // lost it for good), and it works once the broker is back.
        String late = tenant.admin().body(Map.of("name", "made during the outage", "role", "viewer"))
                .post("/v1/api-keys").then().statusCode(202).header("Location", containsString("/v1/api-keys/"))
                .body("secret", startsWith("wdn_")).extract().path("secret");
        // A deploy's answer waits for its event the same way; its client cannot know it committed. Sent again with its
        // Idempotency-Key once the broker is back, it answers the first deploy's version, not a second deploy.
        String deployed = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        String key = java.util.UUID.randomUUID().toString();
        tenant.admin().header("Idempotency-Key", key).body(AgentMother.deployment("registry.example.com/triage:v1"))
                .post("/v1/agents/" + deployed + "/deploy").then().statusCode(503).header("Retry-After", "5");

        kafka.restore();

        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
        tenant.admin().post("/v1/agents/" + id + "/suspend").then().statusCode(200).body("status", equalTo("suspended"));
        tenant.admin().delete("/v1/api-keys/" + viewerId).then().statusCode(200).body("revoked", equalTo(true));
        tenant.as(viewer).get("/v1/agents").then().statusCode(401);
        Awaitility.await().atMost(RECOVERY).until(() -> tenant.as(late).get("/v1/agents").statusCode() == 200);
        tenant.admin().header("Idempotency-Key", key).body(AgentMother.deployment("registry.example.com/triage:v1"))
                .post("/v1/agents/" + deployed + "/deploy").then().statusCode(200).body("version", equalTo(1));
        tenant.admin().get("/v1/agents/" + deployed + "/versions").then().body("total", equalTo(1));
        assertEquals(List.of(EventTypes.AGENT_CREATED, EventTypes.AGENT_SUSPENDED),
                Events.types(Events.about(Topics.AGENTS, id, 2)));
        assertEquals(List.of(EventTypes.AGENT_CREATED, EventTypes.AGENT_DEPLOYED),
                Events.types(Events.about(Topics.AGENTS, deployed, 2)));
        log.assertNoNoise();
    }

    /**
     * A deploy that committed, then lost the database while its answer waited for its event to reach the broker: its
     * 503 says the deploy is committed (read it back before sending it again), not only that the database is away,
     * which would have its client deploy twice (a user trial killing PostgreSQL under load).
     */
    @Test
    void aDeployThatCommittedThenLostTheDatabaseWhileItsAnswerWaitedSaysItIsCommitted() throws Exception {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        WardenInfra.kafkaProxy().cut(); // the deploy's event waits in the outbox, and its answer with it
        var answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> tenant.admin()
                .body(AgentMother.deployment("registry.example.com/triage:v1")).post("/v1/agents/" + id + "/deploy")
                .then());
        Awaitility.await().atMost(RECOVERY).until(() -> versionsStored(id) == 1);
        WardenInfra.postgresProxy().cut();
        answer.get(RECOVERY.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).statusCode(503)
                .header("Retry-After", "5")
                .body("error.message", equalTo("The database is unavailable: " + UnavailableException.COMMITTED));

        WardenInfra.endOutages();
        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
        tenant.admin().get("/v1/agents/" + id + "/versions").then().statusCode(200).body("total", equalTo(1));
    }

    /** The agent's versions as stored, read past the proxy the test cuts. */
    private static int versionsStored(String agentId) throws Exception {
        var pg = WardenInfra.outagePostgres();
        try (var c = java.sql.DriverManager.getConnection(pg.jdbcUrl("warden_agent_test"), pg.superUser(), pg.superPassword());
             var count = c.prepareStatement("SELECT count(*) FROM agent_versions WHERE agent_id = ?::uuid")) {
            count.setString(1, agentId);
            try (var rows = count.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    @Test
    void withDatabaseAndBrokerBothDownReadinessStillAnswersAndNamesBoth() {
        WardenInfra.postgresProxy().cut();
        WardenInfra.kafkaProxy().cut();

        HealthProbe ready = HealthProbe.ready(RestAssured.port, PROMPTLY);
        assertEquals(503, ready.status());
        assertEquals("DOWN", ready.check("database"));
        assertEquals("DOWN", ready.check("kafka"));
        assertEquals(200, HealthProbe.live(RestAssured.port, PROMPTLY).status());

        WardenInfra.postgresProxy().restore();
        WardenInfra.kafkaProxy().restore();

        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
    }

    @Test
    void readinessAnswersPromptlyEvenWhenDatabaseAndBrokerStopAnsweringAltogether() {
        WardenInfra.postgresProxy().silence();
        WardenInfra.kafkaProxy().silence();

        HealthProbe ready = HealthProbe.ready(RestAssured.port, PROMPTLY);
        assertEquals(503, ready.status());
        assertEquals("DOWN", ready.check("database"));
        assertEquals("no answer within 500 ms", ready.reason("database"));
        assertEquals("DOWN", ready.check("kafka"));
        assertEquals(200, HealthProbe.live(RestAssured.port, PROMPTLY).status());

        WardenInfra.postgresProxy().restore();
        WardenInfra.kafkaProxy().restore();

        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
        tenant.admin().get("/v1/agents").then().statusCode(200);
    }

    /** Eight clients reading and changing one agent as fast as they are answered. */
    private static RequestLoad load(Tenant tenant) {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        List<IntSupplier> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(() -> tenant.admin().body(Map.of("description", "v" + System.nanoTime()))
                    .patch("/v1/agents/" + id).statusCode());
            clients.add(() -> tenant.admin().get("/v1/agents").statusCode());
        }
        return new RequestLoad(clients);
    }
}
