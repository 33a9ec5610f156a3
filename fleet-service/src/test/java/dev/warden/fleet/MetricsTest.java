package dev.warden.fleet;

import dev.warden.fleet.support.FleetFixtures;
import dev.warden.testing.PrometheusText;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /q/metrics after real traffic: the service's own meters (heartbeats, their group commits, transitions) and HTTP. */
@QuarkusTest
class MetricsTest {

    @Test
    void heartbeatsGroupCommitsAndTransitionsAreCounted() {
        TestOrg org = FleetFixtures.organization();
        double before = Math.max(0, scrape().value("warden_fleet_heartbeats_written_total"));
        String id = FleetFixtures.registerId(org, "metered");
        for (int i = 0; i < 3; i++) {
            FleetFixtures.as(org, "operator").body(Map.of("cpu", 1)).post("/v1/fleet/agents/" + id + "/heartbeat")
                    .then().statusCode(200);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> scrape().value("warden_fleet_heartbeats_written_total") >= before + 3);
        PrometheusText metrics = scrape();
        assertTrue(metrics.value("warden_fleet_heartbeat_batch_size_count") >= 1);
        assertTrue(metrics.value("warden_fleet_transitions_total", "type", "dev.warden.fleet.instance-registered.v1") >= 1);
        assertTrue(metrics.value("http_server_requests_seconds_count", "method", "POST", "uri",
                "/v1/fleet/agents/{id}/heartbeat", "status", "200") >= 3, "heartbeats counted by their URI template");
    }

    @Test
    void theLivenessSweepShowsItsLeaderAndItsLatestRoundForTheStaleSweepAlert() {
        double started = System.currentTimeMillis() / 1000.0;
        // The sweep runs every 200 ms in tests: a round completed after this test began is a later marker.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                scrape().value("warden_leader_job_last_round_timestamp_seconds", "leader_job", "fleet-liveness") >= started);
        PrometheusText metrics = scrape();
        assertEquals(1.0, metrics.value("warden_leader_job_leader", "leader_job", "fleet-liveness"), "one replica: it leads");
        assertTrue(metrics.value("warden_leader_job_failed_rounds_total", "leader_job", "fleet-liveness") >= 0);
        // Counted every 15 s by the sweep: at least the instance registered here is online (the first round counts).
        FleetFixtures.registerId(FleetFixtures.organization(), "counted");
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> scrape().value("warden_fleet_instances", "status", "online") >= 1);
    }

    private static PrometheusText scrape() {
        return PrometheusText.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }
}
