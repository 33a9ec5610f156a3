package dev.warden.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.agent.support.AgentMother;
import dev.warden.agent.support.Events;
import dev.warden.agent.support.Tenants;
import dev.warden.agent.support.Tenants.Tenant;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.testing.PrometheusText;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What agent-service exports about itself: /q/metrics after real traffic, trace context in its events, request ids. */
@QuarkusTest
class ObservabilityTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String W3C = "[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}";

    @jakarta.inject.Inject
    io.opentelemetry.api.OpenTelemetry openTelemetry;

    private Tenant tenant;

    @BeforeEach
    void newOrganization() {
        tenant = Tenants.create();
    }

    @Test
    void aCreatedAgentShowsInTheHttpOutboxAndRelayMetrics() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");
        tenant.admin().get("/v1/agents/" + id).then().statusCode(200);
        Events.about(Topics.AGENTS, id, 1);

        PrometheusText metrics = scrape();
        assertTrue(metrics.value("http_server_requests_seconds_count", "method", "POST", "uri", "/v1/agents",
                "status", "201") >= 1, "POST /v1/agents counted");
        assertTrue(metrics.value("http_server_requests_seconds_count", "method", "GET", "uri", "/v1/agents/{agent_id}",
                "status", "200") >= 1, "GET /v1/agents/{agent_id} counted by its template");
        assertEquals(List.of(), metrics.samples("http_server_requests_seconds_count").stream()
                .filter(s -> s.labels().getOrDefault("uri", "").contains(id)).toList(), "no raw path in a uri tag");
        assertTrue(metrics.value("warden_outbox_published_total") > 0, "the relay published the agent's event");
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> scrape().value("warden_outbox_backlog") >= 0);
        assertTrue(scrape().value("warden_outbox_oldest_age_seconds") >= 0);
    }

    /** An endpoint's refusals are counted under its template, not as {@code UNKNOWN} (Quarkus' rule for 4xx). */
    @Test
    void anEndpointsErrorsAreCountedUnderItsTemplate() {
        tenant.admin().body(Map.of("name", "")).post("/v1/agents").then().statusCode(400);
        tenant.admin().get("/v1/agents?limit=0").then().statusCode(400);
        PrometheusText metrics = scrape();
        assertTrue(metrics.value("http_server_requests_seconds_count", "method", "POST", "uri", "/v1/agents",
                "status", "400") >= 1, "POST /v1/agents's 400 counted under its template");
        assertTrue(metrics.value("http_server_requests_seconds_count", "method", "GET", "uri", "/v1/agents",
                "status", "400") >= 1, "GET /v1/agents's 400 counted under its template");
    }

    @Test
    void requestsWithoutAKeyToPathsNoEndpointServesAddNoSeries() {
        String raw = java.util.UUID.randomUUID().toString();
        given().get("/v1/agents/" + raw + "/deploy").then().statusCode(405); // the method is refused before the key
        given().get("/v1/nowhere/" + raw).then().statusCode(404);
        tenant.admin().get("/v1/agents").then().statusCode(200); // a later marker: the scrape comes after both
        assertEquals(List.of(), scrape().samples("http_server_requests_seconds_count").stream()
                .filter(s -> s.labels().getOrDefault("uri", "").contains(raw)).toList(), "a caller cannot mint uri tags");
    }

    @Test
    void theEventOfATracedRequestCarriesItsTraceparent() {
        String callerTrace = "0af7651916cd43dd8448eb211c80319c";
        String id = tenant.admin().header("traceparent", "00-" + callerTrace + "-b7ad6b7169203331-01")
                .body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201).extract().path("id");

        JsonNode created = Events.about(Topics.AGENTS, id, 1).getFirst();

        assertEquals(EventTypes.AGENT_CREATED, created.path("type").asText());
        String traceparent = created.path("traceparent").asText();
        assertTrue(traceparent.matches(W3C), "W3C traceparent: " + traceparent);
        assertEquals(callerTrace, traceparent.split("-")[1], "the caller's trace continues in the event");
        assertNotEquals("b7ad6b7169203331", traceparent.split("-")[2], "the parent is the service's own span");
    }

    @Test
    void anUntracedRequestStartsATraceThatItsEventCarries() {
        String id = tenant.admin().body(AgentMother.triageAgent()).post("/v1/agents").then().statusCode(201)
                .extract().path("id");

        assertTrue(Events.about(Topics.AGENTS, id, 1).getFirst().path("traceparent").asText().matches(W3C));
    }

    @Test
    void everyResponseNamesItsRequestAndMetricsNeedNoCredential() {
        tenant.admin().header("X-Request-Id", "req-42").get("/v1/agents").then().statusCode(200)
                .header("X-Request-Id", equalTo("req-42"));
        tenant.admin().get("/v1/agents").then().statusCode(200)
                .header("X-Request-Id", matchesPattern("[0-9a-f-]{36}"));
        given().get("/q/metrics").then().statusCode(200);
        given().get("/v1/agents").then().statusCode(401);
        // Refusals that no resource answers carry it too, once (a 401 had none: "my key does not work" had no id)
        record Refused(int status, io.restassured.specification.RequestSpecification request, String method, String path) {
        }
        List<Refused> refusals = List.of(
                new Refused(401, given(), "GET", "/v1/agents"),
                new Refused(400, tenant.admin(), "GET", "/v1/agents?agnet_id=x"),
                new Refused(404, tenant.admin(), "GET", "/v1/agents/" + java.util.UUID.randomUUID() + "/nothing"),
                new Refused(405, tenant.admin(), "DELETE", "/v1/agents"),
                new Refused(415, tenant.admin().header("Content-Encoding", "gzip").body("{}"), "POST", "/v1/agents"),
                new Refused(414, tenant.admin(), "GET", "/v1/agents?q=" + "x".repeat(9000)));
        for (Refused refused : refusals) {
            String id = "req-" + refused.status();
            var answer = refused.request().header("X-Request-Id", id).request(refused.method(), refused.path());
            assertEquals(refused.status(), answer.statusCode(), refused.method() + " " + refused.path().substring(0,
                    Math.min(40, refused.path().length())));
            assertEquals(List.of(id), answer.headers().getValues("X-Request-Id"), "status " + refused.status());
        }
    }

    @Test
    void aPrometheusScrapeGetsOpenMetricsWithTheExemplarsOfTracedRequests() {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        tenant.admin().header("traceparent", "00-" + trace + "-00f067aa0ba902b7-01").get("/v1/agents").then()
                .statusCode(200);
        // What Prometheus sends when it can read OpenMetrics: it got the older text format, which has no exemplars
        String prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        String body = given().header("Accept", prometheus).get("/q/metrics").then().statusCode(200)
                .contentType(org.hamcrest.Matchers.startsWith("application/openmetrics-text")).extract().asString();
        assertTrue(body.contains("# EOF"), "OpenMetrics ends with # EOF");
        assertTrue(body.lines().anyMatch(l -> l.startsWith("http_server_requests_seconds_count") && l.contains(" # {")
                && l.contains("trace_id=")), "an exemplar on the request counter");
        // It was a 406
        given().header("Accept", "application/openmetrics-text; version=1.0.0").get("/q/metrics").then().statusCode(200);
        // A scraper of the text format still gets it
        given().header("Accept", "text/plain").get("/q/metrics").then().statusCode(200)
                .contentType(org.hamcrest.Matchers.startsWith("text/plain"));
    }

    @Test
    void aCallOutThatStartsATraceIsNotSampledAndEverythingElseIs() {
        // Background polling's statements were one-span traces, about 300 a minute from an idle suite
        io.opentelemetry.api.trace.Tracer tracer = openTelemetry.getTracer("test");
        var rootCall = tracer.spanBuilder("SELECT").setSpanKind(io.opentelemetry.api.trace.SpanKind.CLIENT)
                .setNoParent().startSpan();
        var request = tracer.spanBuilder("GET /v1/agents").setSpanKind(io.opentelemetry.api.trace.SpanKind.SERVER)
                .setNoParent().startSpan();
        var callOfRequest = tracer.spanBuilder("SELECT").setSpanKind(io.opentelemetry.api.trace.SpanKind.CLIENT)
                .setParent(io.opentelemetry.context.Context.root().with(request)).startSpan();
        try {
            assertTrue(!rootCall.getSpanContext().isSampled(), "a root call out is not sampled");
            assertTrue(request.getSpanContext().isSampled(), "a request is");
            assertTrue(callOfRequest.getSpanContext().isSampled(), "a request's statement is");
        } finally {
            callOfRequest.end();
            request.end();
            rootCall.end();
        }
    }

    private static PrometheusText scrape() {
        return PrometheusText.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    @Test
    void theConsoleLeavesOutTheConsumersErrorForACommitARebalanceOvertook() {
        List<java.util.logging.Handler> consoles = consoles(java.util.logging.Logger.getLogger("").getHandlers());
        assertFalse(consoles.isEmpty(), "a console handler");
        String coordinator = "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator";
        String commit = "[Consumer clientId=consumer-x-1, groupId=x] Offset commit failed on partition t-0 at offset 4: ";
        for (java.util.logging.Handler console : consoles) {
            // quarkus.log.console.filter names the filter, and Quarkus found it in warden-observability
            assertFalse(console.isLoggable(error(coordinator, commit + "The coordinator is not aware of this member.")));
            assertTrue(console.isLoggable(error(coordinator, commit + "The request timed out.")));
            assertTrue(console.isLoggable(error("dev.warden.outbox.EventConsumerLoop", "Consumer x stopped")));
        }
    }

    private static org.jboss.logmanager.ExtLogRecord error(String logger, String message) {
        org.jboss.logmanager.ExtLogRecord record = new org.jboss.logmanager.ExtLogRecord(org.jboss.logmanager.Level.ERROR,
                message, org.jboss.logmanager.ExtLogRecord.FormatStyle.NO_FORMAT, ObservabilityTest.class.getName());
        record.setLoggerName(logger);
        return record;
    }

    private static List<java.util.logging.Handler> consoles(java.util.logging.Handler[] handlers) {
        List<java.util.logging.Handler> found = new java.util.ArrayList<>();
        for (java.util.logging.Handler handler : handlers) {
            if (handler instanceof org.jboss.logmanager.handlers.ConsoleHandler) {
                found.add(handler);
            }
            if (handler instanceof org.jboss.logmanager.ExtHandler ext) {
                found.addAll(consoles(ext.getHandlers()));
            }
        }
        return found;
    }
}
