package dev.warden.registry;

import dev.warden.events.Topics;
import dev.warden.events.agent.AgentStatus;
import dev.warden.outbox.EventConsumerLoop;
import dev.warden.registry.projection.RegistryProjector;
import dev.warden.registry.support.History;
import dev.warden.registry.support.StoredProjection;
import dev.warden.testing.PrometheusText;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.registry.support.History.T0;
import static dev.warden.registry.support.History.agent;
import static dev.warden.registry.support.History.as;
import static dev.warden.registry.support.History.asPlatformAdmin;
import static dev.warden.registry.support.History.changed;
import static dev.warden.registry.support.History.compliance;
import static dev.warden.registry.support.History.connectorBound;
import static dev.warden.registry.support.History.connectorUnbound;
import static dev.warden.registry.support.History.drift;
import static dev.warden.registry.support.History.entry;
import static dev.warden.registry.support.History.executionFinished;
import static dev.warden.registry.support.History.organization;
import static dev.warden.registry.support.History.policyBound;
import static dev.warden.registry.support.History.policyUnbound;
import static dev.warden.registry.support.History.publish;
import static dev.warden.registry.support.History.realmCreated;
import static dev.warden.registry.support.History.registrationRequested;
import static dev.warden.registry.support.History.transition;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rebuilding the projection from offset zero: the rebuilt projection holds exactly what the live one held, for every
 * organization, with progress to watch; only a platform admin may start one, one at a time; events go on landing.
 */
@QuarkusTest
class RebuildTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    RegistryProjector projector;

    @Test
    void aRebuildReplaysTheTopicsIntoAProjectionEqualToTheLiveOneAndEventsGoOnLanding() throws Exception {
        History.awaitNoRebuildRunning();
        TestOrg org = organization();
        TestOrg other = organization();
        TestOrg during = organization();
        history(org.id());
        history(other.id());
        StoredProjection.awaitApplied(WAIT);
        // Every organization the tests before this one left too: the rebuild is the whole projection's.
        Map<String, List<String>> live = StoredProjection.snapshot(List.of(during.id()));
        live.forEach((table, rows) -> assertTrue(rows.size() > 0, table + " holds rows, so its equality means something"));

        StoredProjection.Hold hold = StoredProjection.hold();
        Response started = asPlatformAdmin().post("/v1/registry/rebuilds");
        hold.now();
        started.then().statusCode(202).body("state", equalTo("running")).body("percent", equalTo(0.0f))
                .body("history_complete", equalTo(true));
        // From the rebuild's answer on, with no wait: the projection is emptied, and the views say they are partial
        // (they answered an empty projection without the header until the replica's next look at the database)
        as(org, "viewer").get("/v1/registry").then().statusCode(200)
                .header("Warden-Projection", startsWith("rebuilding; progress="));
        String rebuild = started.path("id");
        assertTrue(started.header("Location").endsWith("/v1/registry/rebuilds/" + rebuild), started.header("Location"));
        assertTrue(started.<Integer>path("records_to_replay") > 0);
        assertEquals(24, started.<List<?>>path("partitions").size(), "the 6 partitions of each of the 4 topics");

        UUID meanwhile = UUID.randomUUID();
        try (hold) {
            asPlatformAdmin().post("/v1/registry/rebuilds").then().statusCode(409)
                    .body("error.message", containsString(rebuild));
            asPlatformAdmin().get("/v1/registry/rebuilds/" + rebuild).then().statusCode(200).body("state", equalTo("running"));
            asPlatformAdmin().get("/v1/registry/rebuilds").then().statusCode(200).body("rebuilds[0].id", equalTo(rebuild));
            // updated_since: a running rebuild changes all the time, so it is always among those changed
            asPlatformAdmin().get("/v1/registry/rebuilds?updated_since=2999-01-01T00:00:00Z").then().statusCode(200)
                    .body("rebuilds.id", contains(rebuild));
            // The views answer from what has been replayed so far, and say so.
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() ->
                    as(org, "viewer").get("/v1/registry").then().statusCode(200).extract().header("Warden-Projection") != null);
            as(org, "viewer").get("/v1/directory/agents").then().statusCode(200)
                    .header("Warden-Projection", startsWith("rebuilding; progress="));
            HttpResponse<InputStream> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/v1/registry/stream"))
                    .header("X-API-Key", org.key("viewer")).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = stream.body()) {
                assertEquals(200, stream.statusCode());
                assertTrue(stream.headers().firstValue("Warden-Projection").orElse("").startsWith("rebuilding"),
                        "a stream opened during a rebuild says so too");
            }
            double progress = metrics().value("warden_registry_rebuild_progress");
            assertTrue(progress >= 0 && progress < 1, "the gauge shows the rebuild unfinished: " + progress);
            publish(Topics.AGENTS, changed(agent(during.id(), meanwhile, "published-during-the-rebuild", AgentStatus.ACTIVE, 1, 1)));
        }

        List<Double> seen = new ArrayList<>();
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            Response now = asPlatformAdmin().get("/v1/registry/rebuilds/" + rebuild);
            seen.add(((Number) now.path("percent")).doubleValue());
            return !"running".equals(now.path("state"));
        });
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i) >= seen.get(i - 1), "progress never goes back: " + seen);
        }
        Response done = asPlatformAdmin().get("/v1/registry/rebuilds/" + rebuild);
        done.then().body("state", equalTo("done")).body("percent", equalTo(100.0f)).body("reason", equalTo(null));
        assertNotNull(done.path("finished_at"));
        assertEquals(done.<Integer>path("records_to_replay"), done.<Integer>path("records_replayed"));
        assertTrue(Instant.parse(done.path("finished_at")).isAfter(Instant.parse(done.path("started_at"))));
        Instant finished = Instant.parse(done.path("finished_at"));
        asPlatformAdmin().get("/v1/registry/rebuilds?updated_since=" + finished).then().statusCode(200)
                .body("rebuilds.id", hasItem(rebuild));
        asPlatformAdmin().get("/v1/registry/rebuilds?updated_since=" + finished.plusNanos(1_000)).then().statusCode(200)
                .body("rebuilds.id", not(hasItem(rebuild)));

        assertEquals(live, StoredProjection.snapshot(List.of(during.id())));
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() ->
                as(during, "viewer").get("/v1/registry/agents/" + meanwhile).statusCode() == 200);
        UUID after = UUID.randomUUID();
        publish(Topics.AGENTS, changed(agent(org.id(), after, "published-after-the-rebuild", AgentStatus.ACTIVE, 1, 1)));
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "viewer").get("/v1/registry/agents/" + after).statusCode() == 200);
        as(org, "viewer").get("/v1/registry").then().statusCode(200).header("Warden-Projection", equalTo(null));
        assertEquals(1.0, metrics().value("warden_registry_rebuild_progress"));
    }

    /**
     * Two replicas: this one, whose watcher moves its consumer to the new generation, and a second consumer in the same
     * group that has not noticed the rebuild yet. Its batches are refused by the fence (retried, never dead-lettered)
     * until it is replaced by one of the new generation, as its own watcher would do, and the rebuilt projection is
     * still exactly the live one.
     */
    @Test
    void aReplicaThatHasNotNoticedTheRebuildCannotWriteIntoIt() throws Exception {
        History.awaitNoRebuildRunning();
        TestOrg org = organization();
        TestOrg during = organization();
        long generation = StoredProjection.generation();
        EventConsumerLoop stale = projector.consume(generation);
        try {
            history(org.id());
            StoredProjection.awaitApplied(WAIT);
            Map<String, List<String>> live = StoredProjection.snapshot(List.of(during.id()));
            double refused = metrics().value("warden_consumer_failed_attempts_total", "group", RegistryProjector.GROUP,
                    "kind", "transient");

            String rebuild = asPlatformAdmin().post("/v1/registry/rebuilds").then().statusCode(202).extract().path("id");
            List<UUID> agents = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                agents.add(UUID.randomUUID());
                publish(Topics.AGENTS, changed(agent(during.id(), agents.getLast(), "meanwhile-" + i, AgentStatus.ACTIVE, 1, 1)));
            }
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> metrics().value(
                    "warden_consumer_failed_attempts_total", "group", RegistryProjector.GROUP, "kind", "transient") > refused);
            stale.close();
            stale = projector.consume(generation + 1);

            History.awaitNoRebuildRunning();
            asPlatformAdmin().get("/v1/registry/rebuilds/" + rebuild).then().body("state", equalTo("done"));
            assertEquals(live, StoredProjection.snapshot(List.of(during.id())));
            for (UUID agent : agents) {
                Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() ->
                        as(during, "viewer").get("/v1/registry/agents/" + agent).statusCode() == 200);
            }
        } finally {
            stale.close();
        }
    }

    @Test
    void onlyAPlatformAdminMayStartOrSeeRebuilds() {
        TestOrg org = organization();
        as(org, "admin").post("/v1/registry/rebuilds").then().statusCode(403).body("error.code", equalTo("forbidden"));
        as(org, "viewer").post("/v1/registry/rebuilds").then().statusCode(403);
        as(org, "admin").get("/v1/registry/rebuilds").then().statusCode(403);
        as(org, "admin").get("/v1/registry/rebuilds/" + UUID.randomUUID()).then().statusCode(403);
        given().post("/v1/registry/rebuilds").then().statusCode(401);
        asPlatformAdmin().get("/v1/registry/rebuilds/" + UUID.randomUUID()).then().statusCode(404);
        asPlatformAdmin().get("/v1/registry/rebuilds/not-an-id").then().statusCode(400)
                .body("error.details[0].field", equalTo("rebuild_id"));
        // A platform admin sees no organization's data.
        asPlatformAdmin().get("/v1/registry").then().statusCode(403);
    }

    @Test
    void aRebuildEmptiesEveryTableOfTheProjection() {
        String reset = StoredProjection.function("registry_rebuild_start");
        for (String table : StoredProjection.tables()) {
            assertTrue(reset.matches("(?s).*\\b" + table + "\\b.*"), "registry_rebuild_start truncates " + table);
        }
    }

    /** Something in every table of the projection, with the redeliveries and stale updates of RegistryTest. */
    /**
     * The database restored to a point before the last rebuild: the projection's generation is behind the one the
     * consumer group committed under. The next rebuild took that same generation again, its loops found every
     * partition already committed under it and replayed nothing, and the rebuild said done over an emptied projection.
     */
    @Test
    void aRebuildAfterTheDatabaseWasRestoredBehindTheGroupsGenerationReplaysEverything() {
        History.awaitNoRebuildRunning();
        TestOrg org = organization();
        history(org.id());
        StoredProjection.awaitApplied(WAIT);
        long rebuilt = awaitDone(asPlatformAdmin().post("/v1/registry/rebuilds").then().statusCode(202).extract().path("id"));
        as(org, "viewer").get("/v1/registry").then().statusCode(200).body("summary.total_agents", equalTo(2));

        // The restore: the projection as it was before that rebuild, its generation one lower
        StoredProjection.asSuperuser("WITH behind AS (UPDATE registry_projection SET generation = generation - 1 "
                + "RETURNING generation) SELECT generation::text FROM behind");
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() ->
                metrics().value("warden_registry_projection_generation") == rebuilt - 1);

        Response started = asPlatformAdmin().post("/v1/registry/rebuilds");
        started.then().statusCode(202).body("generation", equalTo((int) rebuilt + 1));
        awaitDone(started.path("id"));
        as(org, "viewer").get("/v1/registry").then().statusCode(200).body("summary.total_agents", equalTo(2));
    }

    /** Waits for the rebuild to end, done; answers its generation. */
    private static long awaitDone(String rebuild) {
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() ->
                !"running".equals(asPlatformAdmin().get("/v1/registry/rebuilds/" + rebuild).path("state")));
        Response done = asPlatformAdmin().get("/v1/registry/rebuilds/" + rebuild);
        done.then().body("state", equalTo("done"));
        return ((Number) done.path("generation")).longValue();
    }

    private static void history(UUID org) {
        UUID triage = UUID.randomUUID();
        UUID held = UUID.randomUUID();
        UUID binding1 = UUID.randomUUID();
        UUID binding2 = UUID.randomUUID();
        UUID policy1 = UUID.randomUUID();
        UUID policy2 = UUID.randomUUID();
        UUID driftId = UUID.randomUUID();
        Instant recent = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
        publish(Topics.AUDIT, entry(org, 1, triage, recent.minusSeconds(30)), entry(org, 2, triage, recent.minusSeconds(20)),
                entry(org, 3, held, recent.minusSeconds(10)), entry(org, 2, triage, recent.minusSeconds(20)),
                drift(org, driftId, triage, recent, 4), drift(org, driftId, triage, recent, 4),
                compliance(org, UUID.randomUUID(), triage));
        publish(Topics.AGENTS, changed(agent(org, triage, "triage-agent", AgentStatus.INACTIVE, 0, 1)),
                changed(agent(org, triage, "triage-agent", AgentStatus.ACTIVE, 3, 5)),
                changed(agent(org, triage, "triage-agent", AgentStatus.INACTIVE, 0, 1)),
                connectorBound(org, triage, binding1, "crowdstrike"), connectorBound(org, triage, binding2, "jira"),
                connectorBound(org, triage, binding2, "jira"), connectorUnbound(org, triage, binding1, "crowdstrike"),
                policyBound(org, triage, policy1), policyBound(org, triage, policy2), policyUnbound(org, triage, policy2),
                changed(agent(org, held, "held-agent", AgentStatus.SUSPENDED, 1, 3)),
                realmCreated(org, UUID.randomUUID(), "Engineering", "eng"),
                registrationRequested(org, UUID.randomUUID(), "walk-in"));
        publish(Topics.EXECUTIONS, executionFinished(org, triage, "oom", recent),
                executionFinished(org, triage, "success", recent.minusSeconds(60)));
        publish(Topics.FLEET, transition(org, "web-" + triage, triage, null, "online", T0, T0),
                transition(org, "web-" + triage, triage, "online", "offline", T0, T0.plusSeconds(600)),
                transition(org, "web-" + triage, triage, "online", "stale", T0, T0.plusSeconds(120)));
    }

    private static PrometheusText metrics() {
        return PrometheusText.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }
}
