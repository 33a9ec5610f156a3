package dev.warden.launcher.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.warden.launcher.gateway.RawHttp.assertError;
import static dev.warden.launcher.gateway.RawHttp.assertNeverReceived;
import static dev.warden.launcher.gateway.RawHttp.get;
import static dev.warden.launcher.gateway.RawHttp.partialBody;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's connections to a service when callers go away or stop sending: a request whose caller left while it
 * waited for a connection of the pool takes none, one whose caller left while the service worked on it is reset, and a
 * body that stops coming is a 408 and never reaches the service (the gateway reads a body whole before it sends the
 * request on), while a quiet event stream and a slow but steady body pass. Bodies that trickle in, and slow senders
 * more than the pool has connections: {@link GatewaySlowBodyTest}.
 */
class GatewayStalledRequestTest {

    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(1);
    private static final RoutingTable TABLE = RoutingTable.parse("""
            {"services": {"up": {"port": 1}},
             "routes": [{"match": "prefix", "path": "/v1/up", "service": "up"}]}""");

    /** Every request the origin got, by URI. */
    private static final Queue<String> RECEIVED = new ConcurrentLinkedQueue<>();
    /** The origin's requests whose body is still coming, or that it holds unanswered (/v1/up/held/...). */
    private static final Set<String> OPEN = ConcurrentHashMap.newKeySet();
    /** The origin's requests whose connection closed before their body was in, or before they were answered. */
    private static final Queue<String> RESET = new ConcurrentLinkedQueue<>();
    /** The origin's open event streams. */
    private static final BlockingQueue<HttpServerResponse> STREAMS = new LinkedBlockingQueue<>();
    /** How many requests the gateway routed to the origin (it asks the service's status right before it sends). */
    private static final AtomicInteger ROUTED = new AtomicInteger();

    private static Vertx origin;
    private static int originPort;
    /** With the short {@link #BODY_TIMEOUT}. */
    private static Gateway gateway;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        origin = Vertx.vertx();
        originPort = origin.createHttpServer()
                .requestHandler(req -> {
                    String uri = req.uri();
                    if (req.path().equals("/v1/up/stream")) {
                        req.response().setChunked(true).putHeader("content-type", "text/event-stream");
                        req.response().write("data: first\n\n");
                        STREAMS.add(req.response());
                        return;
                    }
                    RECEIVED.add(uri);
                    OPEN.add(uri);
                    if (req.path().startsWith("/v1/up/held")) {
                        // A service slow to answer: never answers; its connection's close is the caller gone.
                        req.connection().closeHandler(closed -> {
                            OPEN.remove(uri);
                            RESET.add(uri);
                        });
                        return;
                    }
                    req.body().onComplete(body -> {
                        OPEN.remove(uri);
                        if (body.failed()) {
                            RESET.add(uri);
                        } else {
                            req.response().end("body=" + body.result());
                        }
                    });
                })
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .actualPort();
        gateway = new Gateway(TABLE, Map.of("up", originPort), GatewayStalledRequestTest::status, BODY_TIMEOUT);
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
    void callersGoneWhileTheirRequestsWaitedForAConnectionLeaveNoConnectionToTheServiceHeld() throws Exception {
        // One connection per event loop, each held by a request the service never answers: only the callers' leaving
        // can free them. (A slow body holds none: the gateway reads it whole first, GatewaySlowBodyTest.)
        Gateway small = new Gateway(TABLE, Map.of("up", originPort), GatewayStalledRequestTest::status,
                Duration.ofMinutes(10), 1);
        int smallPort = small.start(0);
        try {
            int loops = Gateway.loops();
            int routed = ROUTED.get();
            List<Socket> callers = new ArrayList<>();
            for (int i = 0; i < 3 * loops; i++) {
                callers.add(unanswered(smallPort, "/v1/up/held/" + i));
            }
            // Connections are handed to the event loops in turn: each loop's one connection now carries a request
            // the service does not answer, and the other two requests of each loop wait for it in the pool.
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> ROUTED.get() - routed == 3 * loops && held(OPEN) == loops);
            // The waiting callers leave first (as in the tester's run), then those whose requests hold the connections.
            for (int i = 0; i < callers.size(); i++) {
                if (!RECEIVED.contains("/v1/up/held/" + i)) {
                    callers.get(i).close();
                }
            }
            callers.forEach(RawHttp::close);

            // Every loop's connection is free again: a request through each loop (two rounds) is answered at once.
            for (int i = 0; i < 2 * loops; i++) {
                String answer = get(smallPort, "/v1/up/after/" + i);
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            }
            // The service saw each held request's connection closed, and never saw the waiting ones: each waited for
            // its loop's connection ahead of the requests just answered, so it had its turn, and was dropped unsent.
            await().atMost(Duration.ofSeconds(10)).until(() -> held(OPEN) == 0);
            assertEquals(loops, held(RESET), RESET.toString());
            assertEquals(loops, held(RECEIVED), RECEIVED.toString());
        } finally {
            small.stop();
        }
    }

    @Test
    void asManyRequestsHeldAtOnceAsAServiceAllowsStreamsLeaveConnectionsForOthers() throws Exception {
        // A service lets 1000 event streams be open at once (warden-api's OpenStreams, warden.streams.max), and each
        // holds a connection through the gateway for as long as it is open; so may as many slow answers of one caller.
        int streams = 1000;
        assertTrue(streams < Gateway.POOL_SIZE);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < streams; i++) {
                held.add(unanswered(port, "/v1/up/held-open/" + i));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> heldOpen() == streams);
            // Each reached the service on a connection of its own, and the next caller is answered beside them (with
            // 50 connections per event loop, it waited in the gateway's queue behind the held ones).
            String answer = get(port, "/v1/up/beside-held");
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        } finally {
            held.forEach(RawHttp::close);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> heldOpen() == 0);
    }

    private static long heldOpen() {
        return OPEN.stream().filter(uri -> uri.startsWith("/v1/up/held-open/")).count();
    }

    @Test
    void aBodyThatStopsComingIsA408AndNeverReachesTheServiceWhileAQuietStreamGoesOn() throws Exception {
        try (Socket stream = new Socket("127.0.0.1", port)) {
            stream.setSoTimeout(30_000);
            stream.getOutputStream().write("GET /v1/up/stream HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            StringBuilder events = new StringBuilder();
            readUntil(stream, events, "data: first");

            // 600 bytes of 1000, then nothing: answered once a second has passed without any more, and closed (the
            // body's deadline, 1 s and 1.2 s for the 600 bytes, is later: this is the rule for a body that stops).
            try (Socket stalled = partialBody(port, "/v1/up/stalled", 1000)) {
                stalled.getOutputStream().write(("\"a\":\"" + "x".repeat(594)).getBytes(StandardCharsets.US_ASCII));
                stalled.getOutputStream().flush();
                stalled.setSoTimeout(15_000);
                long asked = System.nanoTime();
                String answer = new String(stalled.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
                assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
                assertTrue(answer.toLowerCase().contains("\r\nconnection: close\r\n"), answer);
                assertError(answer, "request_timeout");
                assertTrue(answer.contains("stopped coming"), answer);
                assertTrue(took < 10_000, took + " ms");
            }
            // ... and the service never saw it: the body was never all in, so the request was never sent.
            assertNeverReceived(RECEIVED, port, "/v1/up/stalled");

            // The stream, quiet for longer than the body timeout meanwhile, still carries the service's next event.
            HttpServerResponse open = STREAMS.poll(10, TimeUnit.SECONDS);
            origin.runOnContext(v -> open.write("data: second\n\n"));
            readUntil(stream, events, "data: second");
        }
    }

    @Test
    void aChunkedBodyThatStopsComingIsA408TooAndNeverReachesTheService() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write(("POST /v1/up/stalled-chunked HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertError(answer, "request_timeout");
        }
        assertNeverReceived(RECEIVED, port, "/v1/up/stalled-chunked");
    }

    @Test
    void aBodyThatKeepsComingSlowerThanTheTimeoutInAllIsNotCut() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(15_000);
            String body = "{\"a\":\"" + "x".repeat(1192) + "\"}";
            socket.getOutputStream().write(("POST /v1/up/slow HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // 200 bytes every fifth of the timeout: longer than the timeout in all, never a whole timeout without a
            // byte, and 1000 bytes a second, above the minimum rate (Gateway.BODY_MIN_RATE): each piece moves the
            // body's deadline on by 400 ms, twice the pause. The pause paces the sender (what is tested is a slow
            // body), and guards no absence: the assertion below is of an answer, the whole body echoed, which a cut
            // request never gets.
            long pace = BODY_TIMEOUT.toMillis() / 5;
            byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
            for (int at = 0; at < bytes.length; at += 200) {
                socket.getOutputStream().write(bytes, at, Math.min(200, bytes.length - at));
                socket.getOutputStream().flush();
                Thread.sleep(pace);
            }
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.endsWith("body=" + body), answer);
        }
    }

    /** A GET the origin holds unanswered (as a service slow to answer), on a connection of its own. */
    private static Socket unanswered(int port, String path) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    private static long held(Iterable<String> uris) {
        long count = 0;
        for (String uri : uris) {
            if (uri.startsWith("/v1/up/held/")) {
                count++;
            }
        }
        return count;
    }

    private static void readUntil(Socket socket, StringBuilder read, String marker) throws IOException {
        byte[] buffer = new byte[4096];
        while (read.indexOf(marker) < 0) {
            int n = socket.getInputStream().read(buffer);
            assertTrue(n > 0, read.toString());
            read.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
    }
}
