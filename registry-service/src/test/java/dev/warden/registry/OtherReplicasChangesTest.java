package dev.warden.registry;

import dev.warden.events.Topics;
import dev.warden.events.agent.AgentStatus;
import dev.warden.registry.support.StoredProjection;
import dev.warden.testing.PrometheusText;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.registry.support.History.agent;
import static dev.warden.registry.support.History.as;
import static dev.warden.registry.support.History.changed;
import static dev.warden.registry.support.History.organization;
import static dev.warden.registry.support.History.publish;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GET /v1/registry serves a kept answer without reading the database until this replica hears the organization's
 * NOTIFY, and reads the database again once it has lost its LISTEN connection. Answers are kept for an hour here, so
 * only a notification or the lost connection can set one aside. Changes "from another replica" are made directly in
 * the database as the superuser, with or without their NOTIFY.
 */
@QuarkusTest
@TestProfile(OtherReplicasChangesTest.KeptForAnHour.class)
class OtherReplicasChangesTest {

    private static final Duration SOON = Duration.ofSeconds(30);

    @Test
    void aKeptAnswerIsServedUntilAnotherReplicasNotificationSetsItAside() {
        TestOrg org = organization();
        UUID agent = keptAgent(org, "kept-agent");

        rename(agent, "renamed-by-another-replica");
        as(org, "viewer").get("/v1/registry").then().statusCode(200).body("agents[0].name", equalTo("kept-agent"));

        StoredProjection.asSuperuser("SELECT pg_notify('warden_registry_changed', '" + org.id() + "')::text");
        await().atMost(SOON).until(() -> "renamed-by-another-replica".equals(
                as(org, "viewer").get("/v1/registry").path("agents[0].name")));
    }

    @Test
    void anotherOrganizationNeverGetsTheAnswerKeptForTheSameRequest() {
        TestOrg first = organization();
        TestOrg second = organization();
        keptAgent(first, "first-organization's");
        publish(Topics.AGENTS, changed(agent(second.id(), UUID.randomUUID(), "second-organization's", AgentStatus.ACTIVE, 1, 1)));

        await().atMost(SOON).until(() -> "second-organization's".equals(
                as(second, "viewer").get("/v1/registry").path("agents[0].name")));
        as(second, "viewer").get("/v1/registry").then().statusCode(200).body("summary.total_agents", equalTo(1));
        as(first, "viewer").get("/v1/registry").then().statusCode(200)
                .body("agents[0].name", equalTo("first-organization's"));
    }

    @Test
    void onceTheListeningConnectionIsLostTheDatabaseIsReadAgain() {
        TestOrg org = organization();
        UUID agent = keptAgent(org, "kept-agent");
        rename(agent, "renamed-while-not-listening");
        as(org, "viewer").get("/v1/registry").then().body("agents[0].name", equalTo("kept-agent"));

        StoredProjection.asSuperuser("""
                SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity
                WHERE datname = current_database() AND query LIKE 'LISTEN%'""");

        await().atMost(SOON).until(() -> "renamed-while-not-listening".equals(
                as(org, "viewer").get("/v1/registry").path("agents[0].name")));
        awaitListening();
    }

    @Test
    void theListeningConnectionIsMeteredBesideThePoolUnderAValidName() {
        awaitListening();
        PrometheusText metrics = PrometheusText.parse(RestAssured.get("/q/metrics").then().statusCode(200).extract().asString());
        // Unnamed, its client meters were exported as "m__current", "m__completed_total": Micrometer's mark of a name
        // that starts with no letter.
        assertEquals(List.of(), metrics.all().stream().map(PrometheusText.Sample::name).filter(n -> n.startsWith("m_"))
                .distinct().toList());
        assertTrue(metrics.value("postgresql_completed_total", "clientName", "registry-changes", "clientType", "sql") >= 1,
                "its LISTEN, counted apart from the pool's statements");
    }

    /** An agent of {@code org} applied, and the organization's answer kept with it. */
    private static UUID keptAgent(TestOrg org, String name) {
        UUID agent = UUID.randomUUID();
        publish(Topics.AGENTS, changed(agent(org.id(), agent, name, AgentStatus.ACTIVE, 1, 1)));
        awaitListening();
        await().atMost(SOON).until(() -> name.equals(as(org, "viewer").get("/v1/registry").path("agents[0].name")));
        return agent;
    }

    /** Another replica's change, as the superuser, without its NOTIFY. */
    private static void rename(UUID agent, String name) {
        StoredProjection.asSuperuser("WITH renamed AS (UPDATE registry_agents SET name = '" + name + "' WHERE agent_id = '"
                + agent + "' RETURNING 1) SELECT count(*)::text FROM renamed");
    }

    private static void awaitListening() {
        await().atMost(SOON).until(() -> PrometheusText.parse(RestAssured.get("/q/metrics").asString())
                .value("warden_registry_listening") == 1.0);
    }

    /** Answers kept for an hour: only a notification, or a lost connection, sets one aside within a test. */
    public static class KeptForAnHour implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("warden.registry.kept-for", "1h");
        }
    }
}
