package dev.warden.registry;

import dev.warden.events.Topics;
import dev.warden.events.agent.AgentStatus;
import dev.warden.registry.support.History;
import dev.warden.registry.support.RegistryOutageProfile;
import dev.warden.testing.HealthProbe;
import dev.warden.testing.LogCapture;
import dev.warden.testing.TestEvents;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import dev.warden.testing.WardenInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static dev.warden.registry.support.History.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Real outages in front of registry-service: its database cut is a 503 with Retry-After on every view and readiness
 * names it; its broker cut leaves the views answering from the projection, readiness names Kafka, and what was
 * published meanwhile is applied once the broker is back.
 */
@QuarkusTest
@TestProfile(RegistryOutageProfile.class)
class FaultsTest {

    private static final Duration PROMPTLY = Duration.ofSeconds(2);
    private static final Duration RECOVERY = Duration.ofSeconds(30);
    /** warden.registry.kept-for: the longest seed 000's answer is served again unread. */
    private static final Duration KEPT_FOR = Duration.ofSeconds(1);

    private LogCapture log;
    private TestOrg org;

    @BeforeEach
    void organization() {
        // Straight to the broker, not through the proxy the tests cut.
        org = TestOrganizations.create(WardenInfra.kafkaBootstrapServers(), "admin", "viewer");
        Awaitility.await().atMost(RECOVERY).pollInterval(Duration.ofMillis(100))
                .until(() -> as(org, "viewer").get("/v1/registry").statusCode() == 200);
        log = LogCapture.start();
    }

    @AfterEach
    void restore() {
        WardenInfra.endOutages();
        log.close();
    }

    @Test
    void aDatabaseOutageIsA503OnEveryViewAndReadinessNamesTheDatabase() {
        WardenInfra.postgresProxy().cut();

        for (String path : List.of("/v1/registry/agents", "/v1/directory/agents",
                "/v1/registry/agents/" + UUID.randomUUID())) {
            as(org, "viewer").get(path).then().statusCode(503).header("Retry-After", "5")
                    .contentType(containsString("application/json"))
                    .body("error.code", equalTo("service_unavailable"));
        }
        // The summary stream too, answered before it begins: new streams were reset without any answer, and the
        // service logged an ERROR for each
        as(org, "viewer").accept("text/event-stream").get("/v1/registry/stream").then().statusCode(503)
                .header("Retry-After", "5").contentType(containsString("application/json"))
                .body("error.code", equalTo("service_unavailable"));
        // Seed 000's answer read in organization() is kept until this replica hears its LISTEN connection close, and
        // for warden.registry.kept-for (1 s) at most even if it never does: the outage shows within that bound.
        Awaitility.await().atMost(KEPT_FOR.plus(PROMPTLY)).pollInterval(Duration.ofMillis(50))
                .until(() -> as(org, "viewer").get("/v1/registry").statusCode() != 200);
        as(org, "viewer").get("/v1/registry").then().statusCode(503).header("Retry-After", "5")
                .contentType(containsString("application/json"))
                .body("error.code", equalTo("service_unavailable"));
        HealthProbe ready = HealthProbe.ready(RestAssured.port, PROMPTLY);
        assertEquals(503, ready.status());
        assertEquals("DOWN", ready.check("database"));
        assertEquals(200, HealthProbe.live(RestAssured.port, PROMPTLY).status());

        WardenInfra.postgresProxy().restore();

        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
        as(org, "viewer").get("/v1/registry").then().statusCode(200);
        log.assertNoNoise();
    }

    @Test
    void aBrokerOutageLeavesTheViewsAnsweringAndWhatWasPublishedMeanwhileIsAppliedAfter() {
        WardenInfra.kafkaProxy().cut();

        HealthProbe ready = HealthProbe.ready(RestAssured.port, PROMPTLY);
        assertEquals(503, ready.status());
        assertEquals("DOWN", ready.check("kafka"));
        assertNotNull(ready.reason("kafka"));
        as(org, "viewer").get("/v1/registry").then().statusCode(200).body("summary.total_agents", equalTo(0));
        UUID agent = UUID.randomUUID();
        TestEvents.publish(WardenInfra.kafkaBootstrapServers(), Topics.AGENTS,
                List.of(History.changed(History.agent(org.id(), agent, "during-the-outage", AgentStatus.ACTIVE, 1, 1))));

        WardenInfra.kafkaProxy().restore();

        HealthProbe.awaitReady(RestAssured.port, PROMPTLY, RECOVERY);
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> as(org, "viewer").get("/v1/registry/agents/" + agent).statusCode() == 200);
        log.assertNoNoise();
    }
}
