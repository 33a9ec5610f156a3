package dev.warden.fleet;

import dev.warden.events.Topics;
import dev.warden.fleet.support.FleetFixtures;
import dev.warden.fleet.support.FleetOutageProfile;
import dev.warden.testing.CuttableProxy;
import dev.warden.testing.EventTap;
import dev.warden.testing.HealthProbe;
import dev.warden.testing.LogCapture;
import dev.warden.testing.RequestLoad;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

import static dev.warden.fleet.support.FleetFixtures.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real outages of fleet-service's database and broker: requests (the group-committed heartbeats included) answer 503
 * with Retry-After in the seed's envelope, readiness answers at once and names what is down, liveness stays UP,
 * registrations made while the broker is down are published once it is back, and nothing unexpected is logged.
 */
@QuarkusTest
@TestProfile(FleetOutageProfile.class)
class FaultsTest {

    private static final Duration PROMPTLY = Duration.ofSeconds(2);
    private static final Duration RECOVERY = Duration.ofSeconds(60);

    private TestOrg org;
    private LogCapture log;
    private String instance;

    @BeforeEach
    void organization() {
        org = FleetFixtures.organization();
        instance = FleetFixtures.registerId(org, "faulty");
        log = LogCapture.start();
    }

    @AfterEach
    void restore() {
        WardenInfra.endOutages();
        log.close();
    }

    private io.restassured.response.Response heartbeat() {
        return as(org, "operator").body(Map.of("cpu", 5)).post("/v1/fleet/agents/" + instance + "/heartbeat");
    }

    @Test
    void aDatabaseOutageIsA503WithRetryAfterInTheEnvelopeAndReadinessNamesTheDatabase() {
        WardenInfra.postgresProxy().cut();

        // The live view too: answered before its stream begins (it was a 200 that ended at once, again and again)
        for (ValidatableResponse answer : List.of(as(org, "viewer").get("/v1/fleet/agents").then(), heartbeat().then(),
                as(org, "viewer").accept("text/event-stream").get("/v1/fleet/events").then())) {
            answer.statusCode(503).header("Retry-After", "5").contentType(containsString("application/json"))
                    .body("ok", equalTo(false))
                    .body("error.code", equalTo("service_unavailable"));
        }
        HealthProbe ready = HealthProbe.ready(RestAssured.port, PROMPTLY);
        assertEquals(503, ready.status());
        assertEquals("DOWN", ready.check("database"));
        assertNotNull(ready.reason("database"));
        assertEquals(200, HealthProbe.live(RestAssured.port, PROMPTLY).status());

        WardenInfra.postgresProxy().restore();
        Awaitility.await().atMost(RECOVERY).pollInterval(Duration.ofMillis(200))
                .until(() -> heartbeat().statusCode() == 200);
        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
        log.assertNoNoise();
    }

    @Test
    void heartbeatsAroundADatabaseRestartAreAnswered200Or503NeverAnythingElse() {
        List<IntSupplier> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(() -> heartbeat().statusCode());
        }
        try (RequestLoad load = new RequestLoad(clients)) {
            load.awaitMore(200);
            WardenInfra.outagePostgres().stopServer();
            load.awaitMore(503);
            WardenInfra.outagePostgres().startServer();
            load.awaitMore(200);
            load.close();
            assertEquals(Set.of(200, 503), load.statuses(), "answers: " + load);
        }
        log.assertNoNoise();
    }

    @Test
    void aBrokerOutageMakesReadinessNameKafkaWhileInstancesHeartbeatAndNoCredentialIsIssuedUnchecked() {
        CuttableProxy kafka = WardenInfra.kafkaProxy();
        String registered = FleetFixtures.registerId(org, "before-outage");
        kafka.cut();

        HealthProbe ready = HealthProbe.ready(RestAssured.port, PROMPTLY);
        assertEquals(503, ready.status());
        assertEquals("DOWN", ready.check("kafka"));
        assertEquals("UP", ready.check("database"));
        heartbeat().then().statusCode(200);
        // A new instance's credential outlives the request: it is issued only once the access directory is known to be
        // current (a revocation answered before must be seen), which needs the broker. Without it, a 503 to retry.
        as(org, "operator").body(FleetFixtures.instanceBody("during-outage")).post("/v1/fleet/agents/register").then()
                .statusCode(503).header("Retry-After", notNullValue()).body("ok", equalTo(false));

        kafka.restore();
        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
        String after = FleetFixtures.registerId(org, "after-outage");
        try (EventTap tap = new EventTap(FleetFixtures.bootstrap(), Topics.FLEET)) {
            assertTrue(tap.eventsAbout(registered, 1, RECOVERY).getFirst().path("type").asText().endsWith("instance-registered.v1"));
            assertTrue(tap.eventsAbout(after, 1, RECOVERY).getFirst().path("type").asText().endsWith("instance-registered.v1"));
        }
        log.assertNoNoise();
    }

}
