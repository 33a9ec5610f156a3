package dev.warden.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.EventJson;
import dev.warden.events.Topics;
import dev.warden.events.agent.AgentStatus;
import dev.warden.registry.support.History;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.warden.registry.support.History.agent;
import static dev.warden.registry.support.History.changed;
import static dev.warden.registry.support.History.organization;
import static dev.warden.registry.support.History.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET /v1/registry/stream: the summary at once, then again when the organization's registry changes; only its own. */
@QuarkusTest
class StreamTest {

    @TestHTTPResource("/v1/registry/stream")
    URL stream;

    @Test
    void theSummaryComesAtOnceThenAfterEachChangeOfTheOrganizationOnly() throws Exception {
        TestOrg org = organization();
        TestOrg other = organization();
        BlockingQueue<JsonNode> summaries = new ArrayBlockingQueue<>(100);
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<java.io.InputStream> response = client.send(HttpRequest.newBuilder(URI.create(stream.toString()))
                .header("X-API-Key", org.key("viewer")).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.startsWith("data:")) {
                        summaries.add(EventJson.tree(line.substring(5).trim()));
                    }
                }
            } catch (java.io.IOException e) {
                // the test closed the stream
            }
        });
        try {
            JsonNode first = summaries.poll(30, TimeUnit.SECONDS);
            assertNotNull(first, "the current summary at once");
            assertEquals(0, first.path("total_agents").asInt());

            // Another organization's change sends nothing here; then this one's sends its new summary.
            publish(Topics.AGENTS, changed(agent(other.id(), UUID.randomUUID(), "theirs", AgentStatus.ACTIVE, 1, 1)));
            publish(Topics.AGENTS, changed(agent(org.id(), UUID.randomUUID(), "mine", AgentStatus.ACTIVE, 1, 1)));
            JsonNode next = summaries.poll(30, TimeUnit.SECONDS);
            assertNotNull(next, "a summary after the change");
            assertEquals(1, next.path("total_agents").asInt(), next.toString());
            assertEquals(1, next.path("status_breakdown").path("active").asInt());

            // Disabled while the stream is open: the stream ends (its reader sees the end), it does not go on
            TestOrganizations.disable(History.bootstrap(), org);
            reader.join(Duration.ofSeconds(20));
            assertFalse(reader.isAlive(), "the stream went on after its organization was disabled");

            var refused = client.send(HttpRequest.newBuilder(URI.create(stream.toString()))
                    .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, refused.statusCode());
        } finally {
            response.body().close();
            reader.interrupt();
        }
    }

    @Test
    void beyondTheOrganizationsOpenStreamsA429AndAClosedStreamGivesItsSlotBack() throws Exception {
        TestOrg org = organization();
        HttpClient client = HttpClient.newHttpClient();
        List<HttpResponse<java.io.InputStream>> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) { // the test profile's warden.streams.max-per-org
                HttpResponse<java.io.InputStream> response = open(client, org);
                assertEquals(200, response.statusCode());
                open.add(response);
            }
            HttpResponse<String> refused = client.send(HttpRequest.newBuilder(URI.create(stream.toString()))
                    .header("X-API-Key", org.key("viewer")).header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(429, refused.statusCode(), refused.body());
            assertTrue(refused.headers().firstValue("Retry-After").isPresent());
            assertEquals("too_many_streams", EventJson.tree(refused.body()).at("/error/code").asText(), refused.body());

            open.removeFirst().body().close(); // the client goes: its stream ends and gives its slot back
            open.add(Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        HttpResponse<java.io.InputStream> response = open(client, org);
                        if (response.statusCode() != 200) {
                            response.body().close();
                            return null;
                        }
                        return response;
                    }, java.util.Objects::nonNull));
        } finally {
            for (HttpResponse<java.io.InputStream> response : open) {
                response.body().close();
            }
        }
    }

    private HttpResponse<java.io.InputStream> open(HttpClient client, TestOrg org) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(stream.toString())).header("X-API-Key", org.key("viewer"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
    }
}
