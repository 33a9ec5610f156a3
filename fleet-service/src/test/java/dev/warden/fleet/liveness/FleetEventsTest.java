package dev.warden.fleet.liveness;

import dev.warden.fleet.support.FleetFixtures;
import dev.warden.testing.TestOrganizations;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.warden.fleet.support.FleetFixtures.as;
import static dev.warden.fleet.support.FleetFixtures.registerId;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET /v1/fleet/events: the organization's transitions as Server-Sent Events, resumable with Last-Event-ID. */
@QuarkusTest
class FleetEventsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String END = new String("end of stream");

    /** An open stream: its lines arrive in a queue as the server sends them. */
    private record Stream(HttpResponse<java.util.stream.Stream<String>> response, BlockingQueue<String> lines) {

        static Stream open(TestOrg org, String lastEventId) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/v1/fleet/events"))
                    .header("X-API-Key", org.key("viewer")).header("Accept", "text/event-stream");
            if (lastEventId != null) {
                b.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<java.util.stream.Stream<String>> response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofLines());
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try {
                    response.body().forEach(lines::add);
                    lines.add(END); // the server ended the stream
                } catch (RuntimeException closed) {
                    // the test closed the stream
                }
            });
            return new Stream(response, lines);
        }

        /** The next event (its id, name and data lines), waiting for it up to 20 s. */
        List<String> next() throws InterruptedException {
            List<String> event = new ArrayList<>();
            while (true) {
                String line = lines.poll(20, TimeUnit.SECONDS);
                assertNotNull(line, "no event within 20 s; got " + event);
                if (line.isEmpty()) {
                    if (!event.isEmpty()) {
                        return event;
                    }
                    continue;
                }
                if (!line.startsWith(":")) { // a comment is no event
                    event.add(line);
                }
            }
        }

        /** Whether the server ends the stream within 20 s, whatever events come before. */
        boolean ends() throws InterruptedException {
            for (String line = lines.poll(20, TimeUnit.SECONDS); line != null; line = lines.poll(20, TimeUnit.SECONDS)) {
                if (line == END) {
                    return true;
                }
            }
            return false;
        }

        void close() {
            response.body().close();
        }
    }

    private static String field(List<String> event, String name) {
        return event.stream().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).trim())
                .findFirst().orElse(null);
    }

    @Test
    void anOpenStreamEndsOnceItsOrganizationIsDisabled() throws Exception {
        TestOrg org = FleetFixtures.organization();
        Stream live = Stream.open(org, null);
        assertEquals(200, live.response().statusCode());
        registerId(org, "seen");
        live.next(); // open and serving
        TestOrganizations.disable(FleetFixtures.bootstrap(), org);
        assertTrue(live.ends(), "the stream went on after its organization was disabled");
    }

    @Test
    void transitionsArriveAsTheyHappenAndAReconnectResumesAfterTheLastEventId() throws Exception {
        TestOrg org = FleetFixtures.organization();
        Stream live = Stream.open(org, null);
        assertEquals(200, live.response().statusCode());
        // Bytes at once, before any transition: a proxy in front forwards the head with them
        assertTrue(live.lines().poll(20, TimeUnit.SECONDS).startsWith(":"), "the stream opens with a comment");
        String id = registerId(org, "watched");
        List<String> registered = live.next();
        assertEquals("dev.warden.fleet.instance-registered.v1", field(registered, "event"));
        assertTrue(field(registered, "data").contains(id));
        String firstId = field(registered, "id");
        // Ids are the organization's own numbers: its first transition is 1, whatever other organizations did before
        assertEquals("1", firstId);
        // The credential's hash is for audit-service over Kafka, not for viewers
        assertTrue(registered.stream().noneMatch(l -> l.contains("credential_sha256")), registered.toString());
        live.close();

        // Missed while disconnected: the deregistration; a reconnect with the last id seen gets it, and only it.
        as(org, "operator").delete("/v1/fleet/agents/" + id).then().statusCode(200);
        Stream resumed = Stream.open(org, firstId);
        List<String> deregistered = resumed.next();
        assertEquals("dev.warden.fleet.instance-deregistered.v1", field(deregistered, "event"));
        assertEquals("2", field(deregistered, "id"), "the next number, nothing of other organizations in between");
        resumed.close();

        // An id this stream never sent (beyond its newest: one from before an upgrade renumbered them) gets what is
        // kept from the start, rather than nothing until the numbers pass it
        Stream beyond = Stream.open(org, "8");
        assertEquals("1", field(beyond.next(), "id"));
        assertEquals("2", field(beyond.next(), "id"));
        beyond.close();

        // Another organization's stream sees none of it; a bad id is a 400 in the envelope.
        TestOrg other = FleetFixtures.organization();
        Stream elsewhere = Stream.open(other, "0");
        String otherId = registerId(other, "theirs");
        List<String> theirs = elsewhere.next();
        assertTrue(field(theirs, "data").contains(otherId), "the first event of the other organization is its own");
        assertEquals("1", field(theirs, "id"));
        elsewhere.close();
        FleetFixtures.as(org, "viewer").header("Last-Event-ID", "yesterday").get("/v1/fleet/events").then().log().ifValidationFails()
                .statusCode(400).body("ok", equalTo(false));
        FleetFixtures.bearer("wfi_unknown").get("/v1/fleet/events").then().statusCode(401).body("ok", equalTo(false));
    }

    @Test
    void beyondTheOrganizationsOpenStreamsA429InTheEnvelopeAndAClosedStreamGivesItsSlotBack() throws Exception {
        TestOrg org = FleetFixtures.organization();
        List<Stream> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) { // the test profile's warden.streams.max-per-org
                Stream stream = Stream.open(org, null);
                assertEquals(200, stream.response().statusCode());
                open.add(stream);
            }
            as(org, "viewer").accept("text/event-stream").header("X-Request-Id", "req-429")
                    .get("/v1/fleet/events").then().statusCode(429)
                    .header("Retry-After", notNullValue()).header("X-Request-Id", equalTo("req-429"))
                    .body("ok", equalTo(false))
                    .body("error.code", equalTo("too_many_streams"));
            // Another organization's streams are bounded on their own
            Stream elsewhere = Stream.open(FleetFixtures.organization(), null);
            open.add(elsewhere);
            assertEquals(200, elsewhere.response().statusCode());

            open.removeFirst().close(); // the client goes: the stream ends at its next poll and gives its slot back
            open.add(Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Stream.open(org, null), stream -> {
                        if (stream.response().statusCode() != 200) {
                            stream.close();
                        }
                        return stream.response().statusCode() == 200;
                    }));
        } finally {
            open.forEach(Stream::close);
        }
    }
}
