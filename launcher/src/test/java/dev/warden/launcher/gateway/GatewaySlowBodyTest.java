package dev.warden.launcher.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.warden.launcher.gateway.RawHttp.assertError;
import static dev.warden.launcher.gateway.RawHttp.assertNeverReceived;
import static dev.warden.launcher.gateway.RawHttp.exchange;
import static dev.warden.launcher.gateway.RawHttp.partialBody;
import static dev.warden.launcher.gateway.RawHttp.writeQuietly;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request bodies that come slowly: the gateway reads a body whole before it takes a connection to the service, so
 * slow senders hold none of the pool's connections, and a body must be in by the body timeout plus a second for every
 * {@value Gateway#BODY_MIN_RATE} bytes it brought, so one that trickles in forever is a 408 although it never stops.
 */
class GatewaySlowBodyTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(1);
    private static final RoutingTable TABLE = RoutingTable.parse("""
            {"services": {"up": {"port": 1}},
             "routes": [{"match": "prefix", "path": "/v1/up", "service": "up"}]}""");

    /** Every request the origin got, by URI, as soon as its head came. */
    private static final Queue<String> RECEIVED = new ConcurrentLinkedQueue<>();
    /** How many requests the gateway routed (it asks the service's status right before it reads a body and sends). */
    private static final AtomicInteger ROUTED = new AtomicInteger();

    private static Vertx origin;
    private static int originPort;
    /** With the short {@link #BODY_TIMEOUT} and the default pool. */
    private static Gateway gateway;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        origin = Vertx.vertx();
        // Answers each request with its body's length and SHA-256, once the body is in.
        originPort = origin.createHttpServer()
                .requestHandler(req -> {
                    RECEIVED.add(req.uri());
                    req.body().onSuccess(body -> req.response().putHeader("content-type", "text/plain")
                            .end(req.method() + " " + req.uri() + " length=" + body.length() + " sha256=" + sha256(body)));
                })
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .actualPort();
        gateway = new Gateway(TABLE, Map.of("up", originPort), GatewaySlowBodyTest::status, BODY_TIMEOUT);
        port = gateway.start(0);
    }

    @AfterAll
    static void stop() {
        gateway.stop();
        origin.close();
    }

    private static Optional<Duration> status(String service) {
        ROUTED.incrementAndGet();
        return Optional.empty();
    }

    @Test
    void slowSendersMoreThanThePoolHasConnectionsLeaveTheServiceToOtherCallers() throws Exception {
        // Two connections per event loop, and a body timeout no slow sender reaches within the test.
        int poolSize = 2;
        Gateway small = new Gateway(TABLE, Map.of("up", originPort), GatewaySlowBodyTest::status,
                Duration.ofSeconds(20), poolSize);
        int smallPort = small.start(0);
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        List<Socket> slow = new ArrayList<>();
        try {
            // Connections are handed to the event loops in turn: one more slow sender than all the loops' pools hold,
            // each declaring 1000 bytes of body and sending one every 300 ms, as the trial's senders did (slower).
            int senders = poolSize * Gateway.loops() + 1;
            int routed = ROUTED.get();
            for (int i = 0; i < senders; i++) {
                slow.add(partialBody(smallPort, "/v1/up/slow/" + i, 1000));
            }
            trickle.scheduleAtFixedRate(() -> slow.forEach(socket -> writeQuietly(socket, 'x')), 300, 300,
                    TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofSeconds(20)).until(() -> ROUTED.get() - routed == senders);

            // Another caller, on connections of its own (each loop in turn), is answered while they trickle on.
            for (int i = 0; i < Gateway.loops(); i++) {
                String answer = exchange(smallPort, "GET /v1/up/fast/" + i + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Connection: close\r\n\r\n");
                assertTrue(answer.startsWith("HTTP/1.1 200"), "fast GET " + i + ": " + answer);
                String body = "{\"name\":\"fast\"}";
                answer = exchange(smallPort, "POST /v1/up/fast-post/" + i + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Connection: close\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                        + "\r\n\r\n" + body);
                assertTrue(answer.startsWith("HTTP/1.1 200"), "fast POST " + i + ": " + answer);
                assertTrue(answer.contains("length=" + body.length()), answer);
            }
            // None of the slow bodies reached the service: none is in, and none is sent before it is in.
            for (String uri : RECEIVED) {
                assertFalse(uri.startsWith("/v1/up/slow/"), RECEIVED.toString());
            }
        } finally {
            trickle.shutdownNow();
            slow.forEach(RawHttp::close);
            small.stop();
        }
    }

    /**
     * The bodies the gateway holds are bounded in sum, over every connection ({@link BodyBudget}): a user trial's 500
     * connections each holding 999,999 bytes of a body ran the launcher's heap out, gateway and supervisor with it.
     * One past the budget is a 503 with Retry-After, its connection closed; a request without a body passes; once the
     * held bodies' callers go, the budget is free again.
     */
    @Test
    void bodiesPastTheGatewaysBudgetAre503sUntilTheHeldOnesGo() throws Exception {
        Gateway tight = new Gateway(TABLE, Map.of("up", originPort), GatewaySlowBodyTest::status, Duration.ofSeconds(20),
                Gateway.Bounds.defaults().withBodyBytes(3000));
        int tightPort = tight.start(0);
        List<Socket> held = new ArrayList<>();
        String post = "POST /v1/up/more HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n" + "x".repeat(500);
        try {
            for (int i = 0; i < 2; i++) { // 1,400 bytes of 2,000 each: 2,800 of the 3,000 held
                Socket socket = partialBody(tightPort, "/v1/up/held/" + i, 2000);
                socket.getOutputStream().write("x".repeat(1399).getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                held.add(socket);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> tight.heldBodyBytes() == 2800);
            String answer = exchange(tightPort, post);
            assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
            assertTrue(answer.toLowerCase().contains("retry-after: 1"), answer);
            assertTrue(RawHttp.assertError(answer, "service_unavailable").get("message").asText()
                    .contains("as many request bodies as it may"), answer);
            assertTrue(RawHttp.get(tightPort, "/v1/up/plain").startsWith("HTTP/1.1 200"));
        } finally {
            held.forEach(RawHttp::close);
        }
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> tight.heldBodyBytes() == 0);
            String answer = exchange(tightPort, post);
            assertTrue(answer.startsWith("HTTP/1.1 200") && answer.contains("length=500"), answer);
        } finally {
            tight.stop();
        }
    }

    @Test
    void aBodyThatTricklesInBelowTheMinimumRateIsA408OnceItsDeadlineIsPastThoughItNeverStops() throws Exception {
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try (Socket socket = partialBody(port, "/v1/up/trickle", 1000)) {
            socket.setSoTimeout(15_000);
            // A byte every 200 ms: never the body timeout (1 s) without one, but 5 bytes a second, far below 500. The
            // body is due after 1 s and 2 ms a byte: the answer comes while bytes still do.
            AtomicInteger sent = new AtomicInteger(1);
            long asked = System.nanoTime();
            trickle.scheduleAtFixedRate(() -> {
                if (writeQuietly(socket, 'x')) {
                    sent.incrementAndGet();
                }
            }, 200, 200, TimeUnit.MILLISECONDS);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.toLowerCase().contains("\r\nconnection: close\r\n"), answer);
            JsonNode error = assertError(answer, "request_timeout");
            assertTrue(error.get("message").asText().contains("500 bytes a second"), answer);
            assertTrue(took >= BODY_TIMEOUT.toMillis() && took < 10_000, took + " ms");
            assertTrue(sent.get() >= 5, "bytes kept coming past the body timeout: " + sent.get());
        } finally {
            trickle.shutdownNow();
        }
        assertNeverReceived(RECEIVED, port, "/v1/up/trickle");
    }

    @Test
    void aBodyOfTheLargestSizeReachesTheServiceIntactDeclaredOrChunked() throws Exception {
        byte[] body = new byte[(int) RequestLimits.MAX_BODY];
        new Random(7).nextBytes(body);
        String expected = "length=" + body.length + " sha256=" + sha256(Buffer.buffer(body));
        HttpResponse<String> declared = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/up/big"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, declared.statusCode(), declared.body());
        assertEquals("POST /v1/up/big " + expected, declared.body());
        // A stream of unknown length: the client sends it chunked.
        HttpResponse<String> chunked = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/up/big-chunked"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, chunked.statusCode(), chunked.body());
        assertEquals("POST /v1/up/big-chunked " + expected, chunked.body());
    }

    @Test
    void aCallerThatAsksWhetherToSendItsBodyIsToldToByTheGatewayThatReadsIt() throws Exception {
        // curl asks so for a large body, and waits a second for the answer before it sends anyway.
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(("POST /v1/up/expect HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            byte[] interim = new byte["HTTP/1.1 100 Continue\r\n\r\n".length()];
            int read = 0;
            while (read < interim.length) {
                int n = socket.getInputStream().read(interim, read, interim.length - read);
                assertTrue(n > 0, new String(interim, 0, read, StandardCharsets.US_ASCII));
                read += n;
            }
            assertEquals("HTTP/1.1 100 Continue\r\n\r\n", new String(interim, StandardCharsets.US_ASCII));
            socket.getOutputStream().write("{}".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.endsWith("POST /v1/up/expect length=2 sha256=" + sha256(Buffer.buffer("{}"))), answer);
        }
    }

    private static String sha256(Buffer body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
