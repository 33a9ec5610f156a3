package dev.warden.launcher.gateway;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the gateway holds of its callers' connections: at most so many at once, and none without a request in progress
 * for longer than the head timeout ({@link CallerConnection}), while a quiet event stream lives on. A user trial's 19,900
 * half-sent request heads were kept for good and took every file descriptor the launcher had.
 */
class GatewayConnectionsTest {

    private static final RoutingTable TABLE = RoutingTable.parse("""
            {"services": {"up": {"port": 1}},
             "routes": [{"match": "prefix", "path": "/v1/up", "service": "up"}]}""");
    private static final Duration HEAD_TIMEOUT = Duration.ofMillis(700);

    private static final AtomicInteger PIPED = new AtomicInteger();
    private static Vertx origin;
    private static int originPort;

    @BeforeAll
    static void start() throws Exception {
        origin = Vertx.vertx();
        originPort = origin.createHttpServer()
                .requestHandler(req -> {
                    if (req.path().endsWith("/stream")) {
                        // An event now, and the next after three head timeouts of quiet
                        req.response().setChunked(true).putHeader("content-type", "text/event-stream");
                        req.response().write("data: first\n\n");
                        origin.setTimer(3 * HEAD_TIMEOUT.toMillis(), t -> req.response().end("data: second\n\n"));
                    } else {
                        if (req.path().startsWith("/v1/up/piped")) {
                            PIPED.incrementAndGet();
                        }
                        req.response().putHeader("content-type", "text/plain").end("ok");
                    }
                })
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .actualPort();
    }

    @AfterAll
    static void stop() {
        origin.close();
    }

    private static Gateway gateway(int connections, Duration headTimeout) {
        return new Gateway(TABLE, Map.of("up", originPort), service -> Optional.empty(), Duration.ofSeconds(20),
                Gateway.Bounds.defaults().withConnections(connections, headTimeout));
    }

    @Test
    void aConnectionWithoutARequestInProgressIsClosedAfterTheHeadTimeoutAndAQuietStreamIsNot() throws Exception {
        Gateway gateway = gateway(100, HEAD_TIMEOUT);
        int port = gateway.start(0);
        try (Socket half = new Socket("127.0.0.1", port); Socket kept = new Socket("127.0.0.1", port);
             Socket silent = new Socket("127.0.0.1", port); Socket stream = new Socket("127.0.0.1", port)) {
            for (Socket socket : List.of(half, kept, silent, stream)) {
                socket.setSoTimeout(10_000);
            }
            // Half a head, and nothing more: closed, though it sent something
            write(half, "GET /v1/up/plain HTTP/1.1\r\nHost: localhost\r\n");
            // A whole request on a connection kept alive: answered, then closed once it idles past the timeout
            write(kept, "GET /v1/up/plain HTTP/1.1\r\nHost: localhost\r\n\r\n");
            String answer = readHead(kept.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            // An event stream quiet for three timeouts between its events: its request is in progress
            write(stream, "GET /v1/up/stream HTTP/1.1\r\nHost: localhost\r\n\r\n");
            long start = System.nanoTime();
            assertEquals(-1, half.getInputStream().read(), "a half-sent head is closed");
            assertEquals(-1, silent.getInputStream().read(), "a connection that sends nothing is closed");
            assertEquals(-1, drain(kept.getInputStream()), "an idle kept-alive connection is closed");
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMillis < 5_000, "closed within the timeout's order, not a read timeout: " + tookMillis);
            String events = readUntil(stream.getInputStream(), "data: second");
            assertTrue(events.contains("data: first") && events.contains("data: second"), events);
        } finally {
            gateway.stop();
        }
    }

    /**
     * A connection that leaves more than {@value CallerConnection#MOST_UNREAD_BYTES} bytes of answers unread is closed:
     * the gateway writes its own answers (here a 404 for each of thousands of pipelined requests of no route) whether
     * the caller reads or not, and a user trial's connections doing so ran the launcher's heap out.
     */
    @Test
    void connectionsThatLeaveTheirAnswersUnreadAreClosed() throws Exception {
        Gateway gateway = gateway(100, Duration.ofSeconds(60));
        int port = gateway.start(0);
        byte[] flood = "GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(120_000)
                .getBytes(StandardCharsets.US_ASCII); // 5 MB: more than the sockets' buffers hold
        List<Socket> readers = new ArrayList<>();
        AtomicInteger cutOff = new AtomicInteger();
        try {
            for (int i = 0; i < 10; i++) {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(4096);
                socket.connect(new InetSocketAddress("127.0.0.1", port));
                readers.add(socket);
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        socket.getOutputStream().write(flood);
                    } catch (IOException closed) {
                        cutOff.incrementAndGet(); // the gateway closed it before taking it all
                    }
                });
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> cutOff.get() == 10);
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.openConnections() == 0);
            assertTrue(RawHttp.get(port, "/v1/up/plain").startsWith("HTTP/1.1 200"));
        } finally {
            readers.forEach(RawHttp::close);
            gateway.stop();
        }
    }

    /** A request told to go on (100 Continue) is in progress, though that interim answer is a whole message. */
    @Test
    void aBodySentAfter100ContinueLaterThanTheHeadTimeoutIsAnswered() throws Exception {
        Gateway gateway = gateway(100, HEAD_TIMEOUT);
        int port = gateway.start(0);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            write(socket, "POST /v1/up/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
            String interim = readUntil(socket.getInputStream(), "\r\n\r\n");
            assertTrue(interim.startsWith("HTTP/1.1 100"), interim);
            // The body comes once a head timeout is past: a connection opened after the interim answer, and sending
            // nothing, has been closed by its own
            try (Socket witness = new Socket("127.0.0.1", port)) {
                witness.setSoTimeout(10_000);
                assertEquals(-1, witness.getInputStream().read(), "the idle witness is closed by the head timeout");
            }
            write(socket, "{}");
            String answer = readHead(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        } finally {
            gateway.stop();
        }
    }

    @Test
    void pastTheMostConnectionsANewOneIsClosedAsItOpensUntilOneGoes() throws Exception {
        Gateway gateway = gateway(4, Duration.ofSeconds(60));
        int port = gateway.start(0);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                held.add(new Socket("127.0.0.1", port));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.openConnections() == 4);
            try (Socket fifth = new Socket("127.0.0.1", port)) {
                fifth.setSoTimeout(10_000);
                assertEquals(-1, fifth.getInputStream().read(), "the fifth is closed as it opens");
            }
            assertEquals(4, gateway.openConnections());
            held.removeFirst().close();
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.openConnections() == 3);
            assertTrue(RawHttp.get(port, "/v1/up/plain").startsWith("HTTP/1.1 200"));
        } finally {
            held.forEach(RawHttp::close);
            gateway.stop();
        }
    }

    /**
     * A connection with more than {@value CallerConnection#MOST_IN_FLIGHT} requests unanswered is closed, the rest of
     * what it sent unread: a user trial's few connections of tens of thousands of pipelined requests, their answers
     * unread, ran the launcher's heap out. A client that pipelines a few ahead is answered, each in order.
     */
    @Test
    void aConnectionWithTooManyRequestsInFlightIsClosedAndAFewPipelinedAreAnswered() throws Exception {
        Gateway gateway = gateway(100, Duration.ofSeconds(60));
        int port = gateway.start(0);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            PIPED.set(0);
            try {
                write(socket, "GET /v1/up/piped HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(20_000));
            } catch (SocketException closed) {
                // the gateway closed it while the requests were still going out: what the test looks for
            }
            // Closed with what it sent unread: the caller may see the close as a reset
            String answers = readUntilClosed(socket.getInputStream());
            int answered = answers.split("HTTP/1.1 200", -1).length - 1;
            assertTrue(answered <= CallerConnection.MOST_IN_FLIGHT, "answered " + answered);
            assertTrue(PIPED.get() <= CallerConnection.MOST_IN_FLIGHT, "reached the service: " + PIPED.get());
        }
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            write(socket, "GET /v1/up/piped HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(10)
                    + "GET /v1/up/piped HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(11, answers.split("HTTP/1.1 200", -1).length - 1, answers);
        } finally {
            gateway.stop();
        }
    }

    @Test
    void theMostConnectionsLeaveHalfTheFileDescriptorsForTheServicesSideAndAThousandForTheLauncher() {
        assertEquals(9_500, Gateway.connectionsFor(20_000));
        assertEquals(10_000, Gateway.connectionsFor(1_048_576));
        assertEquals(64, Gateway.connectionsFor(1_024));
    }

    private static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** An answer's head and its "ok" body (the origin's plain answer). */
    private static String readHead(InputStream in) throws IOException {
        return readUntil(in, "\r\n\r\nok");
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        while (!read.toString(StandardCharsets.UTF_8).contains(marker)) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before " + marker + ": " + read.toString(StandardCharsets.UTF_8));
            }
            read.write(b);
        }
        return read.toString(StandardCharsets.UTF_8);
    }

    /** What comes until the connection is closed, or reset. */
    private static String readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                read.write(buffer, 0, n);
            }
        } catch (SocketException reset) {
            // closed with unread data on its side: a reset
        }
        return read.toString(StandardCharsets.UTF_8);
    }

    /** Reads to the end of the stream; answers -1 then. */
    private static int drain(InputStream in) throws IOException {
        while (in.read() >= 0) {
            // what is left of an answer
        }
        return -1;
    }
}
