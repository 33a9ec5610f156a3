package dev.warden.audit;

import dev.warden.audit.recording.AuditRecorder;
import dev.warden.audit.support.AuditFixtures;
import dev.warden.events.Topics;
import dev.warden.testing.PrometheusText;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.warden.audit.support.AuditFixtures.as;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /q/metrics after real traffic: HTTP by URI template, the consumer's counts and lag, the outbox and its relay, the audit
 * topic's publisher.
 */
@QuarkusTest
class MetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String GROUP = AuditRecorder.GROUP;

    private TestOrg org;
    private String agent;

    @BeforeEach
    void organization() {
        org = AuditFixtures.organization();
        agent = AuditFixtures.knownAgent(org);
    }

    @Test
    void reportedActionsShowInTheHttpConsumerOutboxAndRelayMetrics() {
        double handledBefore = Math.max(0, scrape().value("warden_consumer_handled_total", "group", GROUP,
                "topic", Topics.AGENT_ACTIONS));

        as(org, "admin").contentType(ContentType.JSON)
                .body(Map.of("agent_id", agent, "actions", List.of(action("jira", "issues:create"),
                        action("jira", "issues:read"), action("crowdstrike", "detections:read"))))
                .post("/v1/audit/actions").then().statusCode(202);
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
                as(org, "auditor").get("/v1/audit?agent_id=" + agent).then().extract().<Integer>path("total") == 4);

        // The consumer counts a batch once it is handled, a moment after its entries are visible.
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).alias("handled count; warden metrics: "
                + wardenMetrics()).until(() ->
                scrape().value("warden_consumer_handled_total", "group", GROUP, "topic", Topics.AGENT_ACTIONS)
                        >= handledBefore + 3);
        PrometheusText metrics = scrape();

        assertTrue(metrics.value("http_server_requests_seconds_count", "method", "POST", "uri", "/v1/audit/actions",
                "status", "202") >= 1, "POST /v1/audit/actions counted by its URI template");
        assertTrue(metrics.value("http_server_requests_seconds_count", "method", "GET", "uri", "/v1/audit") >= 1);
        metrics.samples("http_server_requests_seconds_count").forEach(s -> assertTrue(
                !s.labels().getOrDefault("uri", "").matches(".*[0-9a-f]{8}-[0-9a-f]{4}-.*"),
                "a raw path in a uri tag: " + s));
        assertTrue(metrics.value("warden_outbox_published_total") > 0, "the relay published the actions");
        double backlog = metrics.value("warden_outbox_backlog");
        assertTrue(backlog >= 0, "outbox backlog " + backlog);
        assertTrue(metrics.value("warden_outbox_oldest_age_seconds") >= 0);
        assertTrue(metrics.value("warden_consumer_lag", "group", GROUP) >= 0, "the group's lag is reported");
        // The audit topic, published from the chain rather than the outbox: its entries counted, its backlog drained,
        // and then nothing waits (OldestWaitingTest reads the age of what does)
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).alias("audit topic; warden metrics: "
                + wardenMetrics()).until(() -> {
                    PrometheusText now = scrape();
                    return now.value("warden_audit_topic_published_total") >= 4
                            && now.value("warden_audit_topic_backlog") == 0
                            && now.value("warden_audit_topic_oldest_age_seconds") == 0;
                });
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
                scrape().value("warden_consumer_lag", "group", GROUP) == 0);
    }

    @Test
    void aMessageTheHandlerDeadLettersCountsForItsGroupAndTopic() {
        // Every topic the group consumes has its counters from the start, at zero before anything was dead-lettered:
        // a counter first seen at 1 has no increase for Prometheus, and the first dead letter raised no alert
        PrometheusText metrics = scrape();
        for (String topic : AuditRecorder.TOPICS) {
            assertTrue(metrics.value("warden_consumer_dead_lettered_total", "group", GROUP, "topic", topic) >= 0, topic);
            assertTrue(metrics.value("warden_consumer_handled_total", "group", GROUP, "topic", topic) >= 0, topic);
        }
        double before = Math.max(0, scrape().value("warden_consumer_dead_lettered_total", "group", GROUP,
                "topic", Topics.AGENT_ACTIONS));

        AuditFixtures.publishRaw(Topics.AGENT_ACTIONS, agent, "this is not an event");

        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
                scrape().value("warden_consumer_dead_lettered_total", "group", GROUP, "topic", Topics.AGENT_ACTIONS)
                        >= before + 1);
    }

    @Test
    void metricsNeedNoCredential() {
        assertEquals(200, given().get("/q/metrics").statusCode());
        assertEquals(401, given().get("/v1/audit").statusCode());
    }

    private static String wardenMetrics() {
        return scrape().all().stream().filter(m -> m.name().startsWith("warden_")).toList().toString();
    }

    private static PrometheusText scrape() {
        return PrometheusText.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    private static Map<String, Object> action(String connector, String action) {
        return Map.of("connector", connector, "action", action, "data_type", "issue data", "status", "success",
                "occurred_at", Instant.now().minusSeconds(5).toString());
    }
}
