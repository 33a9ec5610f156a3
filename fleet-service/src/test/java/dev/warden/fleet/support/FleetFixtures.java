package dev.warden.fleet.support;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.testing.TestEvents;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** Organizations with keys, agents as agent-service announces them, and instances registered through the API. */
public final class FleetFixtures {

    private FleetFixtures() {
    }

    public static String bootstrap() {
        return TestOrganizations.bootstrap();
    }

    /** An organization with admin, operator and viewer keys, usable once this returns. */
    public static TestOrg organization() {
        return TestOrganizations.ready("/v1/fleet/agents", "viewer", "admin", "operator");
    }

    public static RequestSpecification as(TestOrg org, String role) {
        return org.as(role).contentType(ContentType.JSON);
    }

    public static RequestSpecification bearer(String secret) {
        return given().header("Authorization", "Bearer " + secret).contentType(ContentType.JSON);
    }

    /** A new agent as agent-service announces it, once fleet-service knows it (an enrolment token pinned to it works). */
    public static UUID knownAgent(TestOrg org) {
        UUID agent = UUID.randomUUID();
        announce(org, agent);
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "admin").body(Map.of("agent_id", agent.toString())).post("/v1/fleet/enrollment-tokens").statusCode() == 201);
        return agent;
    }

    /** Publishes the agent's creation, as agent-service does. */
    public static void announce(TestOrg org, UUID agent) {
        publish(Topics.AGENTS, CloudEvent.of("/warden/agent-service", EventTypes.AGENT_CREATED, agent.toString(), org.id(),
                Map.of("agent", Map.of("id", agent.toString(), "name", "agent-" + agent.toString().substring(0, 8),
                        "revision", 1, "updated_by", "alice"))));
    }

    public static void publish(String topic, CloudEvent... events) {
        TestEvents.publish(bootstrap(), topic, List.of(events));
    }

    public static Map<String, Object> instanceBody(String hostname, String... tags) {
        return Map.of("hostname", hostname, "os", "linux", "version", "1.2.0", "tags", List.of(tags));
    }

    /** Registers an instance with the operator key; answers the response's data. */
    public static ValidatableResponse register(TestOrg org, Map<String, Object> body) {
        return as(org, "operator").body(body).post("/v1/fleet/agents/register").then().statusCode(201);
    }

    public static String registerId(TestOrg org, String hostname, String... tags) {
        return register(org, instanceBody(hostname, tags)).extract().path("data.id");
    }
}
