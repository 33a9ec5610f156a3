package dev.warden.audit.support;

import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.testing.TestEvents;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.restassured.specification.RequestSpecification;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Organizations with keys, and agent events as agent-service publishes them. */
public final class AuditFixtures {

    private AuditFixtures() {
    }

    public static String bootstrap() {
        return TestOrganizations.bootstrap();
    }

    /**
     * An organization with admin, auditor and viewer keys, usable once this returns, whose chain holds the entries of
     * its creation ({@link #creationEntries}) and nothing else: what a test adds follows {@link #head} at its start.
     */
    public static TestOrg organization() {
        TestOrg org = TestOrganizations.ready("/v1/audit", "viewer", "admin", "auditor");
        awaitHead(org, creationEntries(org));
        return org;
    }

    /**
     * The entries audit-service chains of a test organization's creation on {@code warden.access.v1}: the
     * organization's ({@code organization.created}) and one {@code api-key.created} per key, in no fixed order (each
     * has its own record key).
     */
    public static int creationEntries(TestOrg org) {
        return 1 + org.keys().size();
    }

    /** The sequence of the organization's chain head (the total of its whole chain). */
    public static int head(TestOrg org) {
        return as(org, "auditor").get("/v1/audit?limit=1").then().statusCode(200).extract().path("total");
    }

    /**
     * Waits until the organization's chain reaches {@code sequence}; an answer other than 200 (its keys unknown yet,
     * or refused while it is disabled) is not yet.
     */
    public static void awaitHead(TestOrg org, int sequence) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            var answer = as(org, "auditor").get("/v1/audit?limit=1");
            return answer.statusCode() == 200 && answer.then().extract().<Integer>path("total") >= sequence;
        });
    }

    public static RequestSpecification as(TestOrg org, String role) {
        return org.as(role);
    }

    /** A new agent as agent-service announces it (created, revision 1), once audit-service has recorded it. */
    public static String knownAgent(TestOrg org) {
        String agent = UUID.randomUUID().toString();
        publish(List.of(CloudEvent.of("/warden/agent-service", EventTypes.AGENT_CREATED, agent, org.id(), Map.of(
                "agent", Map.of("id", agent, "name", "agent-" + agent.substring(0, 8), "revision", 1, "updated_by", "alice")))));
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().extract().<Integer>path("total") >= 1);
        return agent;
    }

    public static CloudEvent deployed(UUID org, String agent, int version, String image) {
        return CloudEvent.of("/warden/agent-service", EventTypes.AGENT_DEPLOYED, agent, org, Map.of(
                "agent", Map.of("id", agent, "updated_by", "alice"),
                "deployment", Map.of("version", version, "image_uri", image, "deployed_by", "alice")));
    }

    public static CloudEvent rolledBack(UUID org, String agent, int from, int to) {
        return CloudEvent.of("/warden/agent-service", EventTypes.AGENT_ROLLED_BACK, agent, org, Map.of(
                "agent", Map.of("id", agent, "updated_by", "bob"), "from_version", from, "to_version", to,
                "image_uri", "img:v" + to));
    }

    public static void publish(String topic, List<CloudEvent> events) {
        TestEvents.publish(bootstrap(), topic, events);
    }

    public static void publishRaw(String topic, String key, String value) {
        TestEvents.publishRaw(bootstrap(), topic, key, value);
    }

    public static void publish(List<CloudEvent> events) {
        publish(Topics.AGENTS, events);
    }
}
