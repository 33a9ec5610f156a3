package dev.warden.fleet.liveness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.EventSchemas;
import dev.warden.events.Topics;
import dev.warden.fleet.FleetConfig;
import dev.warden.fleet.support.FleetFixtures;
import dev.warden.fleet.support.TestClock;
import dev.warden.testing.EventTap;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.warden.fleet.support.FleetFixtures.as;
import static dev.warden.fleet.support.FleetFixtures.registerId;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stale and offline at the right time, back online with a heartbeat, each transition once on warden.fleet.v1 with
 * the previous state and the time since the last heartbeat. The clock is driven; nothing waits for minutes.
 */
@QuarkusTest
class LivenessTest {

    @Inject
    TestClock clock;

    @Inject
    LivenessSweep sweep;

    @Inject
    FleetConfig config;

    private String status(TestOrg org, String id) {
        return as(org, "viewer").get("/v1/fleet/agents/" + id).then().statusCode(200).extract().path("data.status");
    }

    @Test
    void theLeaderSweepMarksStaleThenOfflineAndAHeartbeatBringsItBackEachTransitionPublishedOnce() {
        TestOrg org = FleetFixtures.organization();
        String id = registerId(org, "live-1");
        Duration stale = config.staleAfter();
        Duration offline = config.offlineAfter();

        // Just before the threshold a sweep (run here, at the clock's time) leaves it online.
        clock.advance(stale.minusSeconds(2));
        sweep.sweep(clock.now()).await().indefinitely();
        assertEquals("online", status(org, id));

        // Past it, the leader's own sweep (every 200 ms in tests) marks it stale.
        clock.advance(Duration.ofSeconds(3));
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> "stale".equals(status(org, id)));
        as(org, "viewer").get("/v1/fleet/agents?status=stale").then().body("data.id", hasItem(id));

        clock.advance(offline.minus(stale));
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> "offline".equals(status(org, id)));

        as(org, "operator").body(Map.of("cpu", 3)).post("/v1/fleet/agents/" + id + "/heartbeat").then().statusCode(200)
                .body("data.status", equalTo("online"));
        as(org, "operator").delete("/v1/fleet/agents/" + id).then().statusCode(200);

        try (EventTap tap = new EventTap(FleetFixtures.bootstrap(), Topics.FLEET)) {
            List<JsonNode> events = tap.eventsAbout(id, 5, Duration.ofSeconds(30));
            List<String> types = events.stream().map(e -> e.path("type").asText()).toList();
            assertEquals(List.of("dev.warden.fleet.instance-registered.v1", "dev.warden.fleet.instance-stale.v1",
                    "dev.warden.fleet.instance-offline.v1", "dev.warden.fleet.instance-online.v1",
                    "dev.warden.fleet.instance-deregistered.v1"), types);
            assertTrue(events.get(0).path("data").path("credential_sha256").asText().matches("^[0-9a-f]{64}$"),
                    "the registration carries the credential's SHA-256, for audit-service");
            List<String> previous = events.stream().map(e -> e.path("data").path("previous_state").asText("null")).toList();
            assertEquals(List.of("null", "online", "stale", "offline", "online"), previous);
            long staleAfterMs = events.get(1).path("data").path("since_last_heartbeat_ms").asLong();
            assertTrue(staleAfterMs >= stale.toMillis() && staleAfterMs <= stale.toMillis() * 11 / 10,
                    "marked stale " + staleAfterMs + " ms after the last heartbeat, within 10% of " + stale);
            long offlineAfterMs = events.get(2).path("data").path("since_last_heartbeat_ms").asLong();
            assertTrue(offlineAfterMs >= offline.toMillis() && offlineAfterMs <= offline.toMillis() * 11 / 10,
                    "marked offline " + offlineAfterMs + " ms after the last heartbeat");
            for (JsonNode e : events) {
                assertEquals(List.of(), EventSchemas.violations(e), e.toString());
                assertEquals(org.id().toString(), e.path("orgid").asText());
            }
            // Nothing more about it: the deregistration is the last event (a marker after everything else).
            assertEquals(5, tap.eventsAbout(id, 5, Duration.ofSeconds(1)).size());
        }
    }

    @Inject
    dev.warden.tenancy.db.TenantDb db;

    @Test
    void onlineInstancesFiguresArePublishedOncePerSummaryIntervalNotPerHeartbeat() {
        TestOrg org = FleetFixtures.organization();
        String id = registerId(org, "summarized");
        for (int i = 0; i < 3; i++) {
            as(org, "operator").body(Map.of("cpu", 10 + i, "memory", 20)).post("/v1/fleet/agents/" + id + "/heartbeat")
                    .then().statusCode(200);
        }
        // A round whose interval has passed for every online instance: one summary each, not one per heartbeat.
        int first = db.asPlatform(conn -> sweep.summarize(conn, clock.now(), Duration.ZERO)).await().indefinitely();
        assertTrue(first >= 1);
        as(org, "operator").delete("/v1/fleet/agents/" + id).then().statusCode(200);
        try (EventTap tap = new EventTap(FleetFixtures.bootstrap(), Topics.FLEET)) {
            List<JsonNode> events = tap.eventsAbout(id, 3, Duration.ofSeconds(30));
            assertEquals(List.of("dev.warden.fleet.instance-registered.v1", "dev.warden.fleet.instance-summary.v1",
                    "dev.warden.fleet.instance-deregistered.v1"), events.stream().map(e -> e.path("type").asText()).toList());
            assertEquals(12.0, events.get(1).path("data").path("cpu").asDouble());
            assertEquals(List.of(), EventSchemas.violations(events.get(1)));
        }
    }

    @Test
    void twoSweepersAtOnceMoveEachInstanceOnce() {
        TestOrg org = FleetFixtures.organization();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(registerId(org, "pair-" + i));
        }
        clock.advance(config.staleAfter().plusSeconds(1));
        Instant now = clock.now();
        // Two sweeps of the same moment at once, beside the leader's own: each instance becomes stale once.
        Uni.join().all(List.of(sweep.sweep(now), sweep.sweep(now))).andFailFast()
                .await().indefinitely();
        for (String id : ids) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "stale".equals(status(org, id)));
        }
        for (String id : ids) {
            as(org, "operator").delete("/v1/fleet/agents/" + id).then().statusCode(200);
        }
        try (EventTap tap = new EventTap(FleetFixtures.bootstrap(), Topics.FLEET)) {
            Set<String> mine = Set.copyOf(ids);
            // Every deregistration has arrived (each the last event about its instance): count what came before.
            tap.await(r -> mine.contains(EventTap.json(r).path("subject").asText())
                    && EventTap.json(r).path("type").asText().equals("dev.warden.fleet.instance-deregistered.v1"),
                    ids.size(), Duration.ofSeconds(30));
            List<JsonNode> events = tap.await(r -> mine.contains(EventTap.json(r).path("subject").asText()), 0,
                    Duration.ofSeconds(1)).stream().map(EventTap::json).toList();
            Map<String, Long> staleBySubject = events.stream()
                    .filter(e -> e.path("type").asText().equals("dev.warden.fleet.instance-stale.v1"))
                    .collect(Collectors.groupingBy(e -> e.path("subject").asText(), Collectors.counting()));
            assertEquals(ids.size(), staleBySubject.size());
            staleBySubject.forEach((id, n) -> assertEquals(1L, n, id + " became stale " + n + " times"));
            assertEquals(ids.size() * 3, events.size(), "registered, stale, deregistered: nothing else");
        }
    }
}
