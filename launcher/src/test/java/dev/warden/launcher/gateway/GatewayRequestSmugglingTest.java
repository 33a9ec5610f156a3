package dev.warden.launcher.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request smuggling (RFC 9112 §6.1): a request whose body length a front proxy could read differently from the gateway
 * (both {@code Content-Length} and {@code Transfer-Encoding}, or a {@code Transfer-Encoding} other than a single
 * {@code chunked}) is a 400 in the error shape, reaches no service, and its connection is closed, so nothing sent
 * after it on that connection is read as a request either; a plain chunked request still passes. Each request is sent
 * raw, as no HTTP client sends these.
 */
class GatewayRequestSmugglingTest {

    private static final RoutingTable TABLE = RoutingTable.parse("""
            {"services": {"up": {"port": 1}},
             "routes": [{"match": "prefix", "path": "/v1/up", "service": "up"}]}""");
    /** How long a socket read may wait: the bound on the answer and on the close after it. */
    private static final int READ_TIMEOUT_MILLIS = 10_000;

    /** Every request the origin got: method, URI and body. */
    private static final Queue<String> RECEIVED = new ConcurrentLinkedQueue<>();

    private static Vertx origin;
    private static Gateway gateway;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        origin = Vertx.vertx();
        int originPort = origin.createHttpServer()
                .requestHandler(req -> req.body().onSuccess(body -> {
                    String seen = req.method() + " " + req.uri() + " body=" + body;
                    RECEIVED.add(seen);
                    req.response().putHeader("content-type", "text/plain").end(seen);
                }))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .actualPort();
        gateway = new Gateway(TABLE, Map.of("up", originPort), service -> Optional.empty(), Duration.ofSeconds(30));
        port = gateway.start(0);
    }

    @AfterAll
    static void stop() {
        gateway.stop();
        origin.close();
    }

    @Test
    void contentLengthAndTransferEncodingTogetherAreA400AndTheConnectionIsClosedWithTheSmuggledRequestUnread()
            throws Exception {
        // A front proxy reading Content-Length would take "0\r\n\r\n" as the body and the GET as the next request of
        // its connection to the gateway (a GET of another caller, or one it never checked); reading the chunked body
        // instead, a proxy would take the GET as part of this request. Both orders of the two headers.
        for (String headers : List.of("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
                "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n")) {
            String path = "/v1/up/both-" + headers.indexOf('T');
            String answer = exchange("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n"
                    + "0\r\n\r\n" + smuggled(path));
            assertRefused(answer, RequestFraming.BOTH);
            assertNeverReceived(path);
        }
    }

    @Test
    void aTransferEncodingOtherThanOneChunkedIsA400AndTheConnectionIsClosedWithTheSmuggledRequestUnread()
            throws Exception {
        // Each a framing two parsers may read two ways: Netty reads a list ending in chunked as chunked, ignores a
        // coding it does not know (taking Content-Length, or no body at all), and joins a repeated header; the proxy
        // behind takes only a lower-case "chunked".
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("list-identity", "Transfer-Encoding: chunked, identity\r\n");
        refused.put("list-gzip", "Transfer-Encoding: gzip, chunked\r\n");
        refused.put("gzip", "Transfer-Encoding: gzip\r\n");
        refused.put("xchunked", "Transfer-Encoding: xchunked\r\n");
        refused.put("xchunked-length", "Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n");
        refused.put("parameter", "Transfer-Encoding: chunked;x=1\r\n");
        refused.put("twice", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n");
        refused.put("twice-identity", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n");
        refused.put("folded", "Transfer-Encoding: chunked\r\n , identity\r\n");
        refused.put("empty", "Transfer-Encoding: \r\n");
        refused.put("capitalised", "Transfer-Encoding: Chunked\r\n");
        refused.put("upper-case", "Transfer-Encoding: CHUNKED\r\n");
        for (var variant : refused.entrySet()) {
            String path = "/v1/up/te-" + variant.getKey();
            String answer = exchange("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n" + variant.getValue() + "\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n" + smuggled(path));
            assertRefused(answer, variant.getValue().contains("Content-Length")
                    ? RequestFraming.BOTH : RequestFraming.ONLY_CHUNKED);
            assertNeverReceived(path);
        }
        // A control character after the coding: Netty's decoder refuses the header itself, in the shape and closed too.
        String path = "/v1/up/te-vertical-tab";
        assertRefused(exchange("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\u000b\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n" + smuggled(path)), "The request is not valid HTTP");
        assertNeverReceived(path);
        // HTTP/1.0 has no Transfer-Encoding (RFC 9112 §6.1: its framing is to be taken as faulty), with or without a length.
        for (String headers : List.of("Transfer-Encoding: chunked\r\n",
                "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")) {
            path = "/v1/up/http10-" + headers.length();
            String answer = exchange("POST " + path + " HTTP/1.0\r\nHost: localhost\r\n" + headers + "\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n" + smuggled(path));
            assertTrue(answer.startsWith("HTTP/1.0 400") || answer.startsWith("HTTP/1.1 400"), answer);
            assertError(answer, headers.contains("Content-Length") ? RequestFraming.BOTH : RequestFraming.ONLY_HTTP_1_1);
            assertNeverReceived(path);
        }
    }

    @Test
    void aPlainChunkedRequestStillPassesAndItsConnectionStaysOpen() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            InputStream in = socket.getInputStream();
            // Chunked, with or without whitespace around it; then a next request on the same connection: the check
            // passes these, and keeps the connection.
            for (String encoding : List.of("chunked", " chunked", "\tchunked \t")) {
                socket.getOutputStream().write(("POST /v1/up/chunked HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: text/plain\r\nTransfer-Encoding:" + encoding + "\r\n\r\n"
                        + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String answer = readResponse(in);
                assertTrue(answer.startsWith("HTTP/1.1 200"), encoding + ": " + answer);
                assertTrue(answer.endsWith("POST /v1/up/chunked body=hello world"), encoding + ": " + answer);
            }
            socket.getOutputStream().write("GET /v1/up/after HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = readResponse(in);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.endsWith("GET /v1/up/after body="), answer);
        }
    }

    /** A request that, read as a request of its own, would reach the origin on the same route. */
    private static String smuggled(String path) {
        return "GET " + path + "/smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    /**
     * Sends {@code request} in one write on a connection of its own and reads until the gateway closes it: a gateway
     * that keeps the connection open fails the read on its timeout.
     */
    private static String exchange(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            String answer = readResponse(in);
            assertEquals(-1, in.read(), "the connection is closed after the answer: " + answer);
            return answer;
        }
    }

    /** One response with a Content-Length body: its head and body. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        while (!read.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            assertTrue(b >= 0, "the connection closed before an answer's head: " + read);
            read.write(b);
        }
        String head = read.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        assertEquals(length, body.length, head);
        return head + new String(body, StandardCharsets.UTF_8);
    }

    private static void assertRefused(String answer, String message) throws IOException {
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertError(answer, message);
    }

    private static void assertError(String answer, String message) throws IOException {
        String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase();
        assertTrue(head.contains("\r\ncontent-type: application/json"), answer);
        assertTrue(head.contains("\r\nconnection: close"), answer);
        JsonNode error = RawHttp.assertError(answer, "bad_request");
        assertEquals(message, error.get("message").asText(), answer);
    }

    /**
     * The origin never got the refused request nor the one smuggled after it. The refused connection is closed by now;
     * a request sent after that on a connection of its own is answered once the origin has it, so anything the
     * refused connection had sent on would be there before it.
     */
    private static void assertNeverReceived(String path) throws IOException {
        String marker = path + "/marker";
        String answer = exchange("GET " + marker + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(RECEIVED.contains("GET " + marker + " body="), RECEIVED.toString());
        for (String seen : RECEIVED) {
            assertFalse(seen.contains(path + " ") || seen.contains(path + "/smuggled"), RECEIVED.toString());
        }
    }

    /**
     * A chunk size that is no number, read after its request's head was already handed on (two reads of the
     * connection, as a slow client sends them): the decoder answers the 400 itself, in the route's error shape, and
     * closes. Driven through the decoder in an embedded channel, so the two reads are two reads, whatever the timing.
     */
    @Test
    void aBadChunkAfterItsHeadWasHandedOnIsAnsweredByTheDecoder() throws Exception {
        RoutingTable table = RoutingTable.parse("""
                {"services": {"down": {"port": 2, "error_fields": {"ok": false}}},
                 "routes": [{"match": "prefix", "path": "/v1/down", "service": "down"}]}""");
        io.netty.channel.embedded.EmbeddedChannel channel = new io.netty.channel.embedded.EmbeddedChannel(
                new RequestFraming.Decoder(new io.vertx.core.http.HttpServerOptions(), table));
        channel.writeInbound(io.netty.buffer.Unpooled.copiedBuffer("POST /v1/down/x HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", StandardCharsets.US_ASCII));
        Object head = channel.readInbound();
        assertTrue(head instanceof io.netty.handler.codec.http.HttpRequest request && request.decoderResult().isSuccess(),
                "the head is handed on: " + head);

        channel.writeInbound(io.netty.buffer.Unpooled.copiedBuffer("2\r\n{}\r\nZZ\r\nabc\r\n0\r\n\r\n",
                StandardCharsets.US_ASCII));
        io.netty.handler.codec.http.FullHttpResponse answer = channel.readOutbound();
        assertEquals(400, answer.status().code());
        String late = answer.content().toString(StandardCharsets.UTF_8);
        assertTrue(late.contains("\"ok\":false,\"error\":{\"code\":\"bad_request\""), "late chunk: " + late);
        assertFalse(channel.isOpen(), "the connection is closed after the answer");
        // Nothing of the bad body reaches Vert.x: at most the chunk before it
        for (Object passed = channel.readInbound(); passed != null; passed = channel.readInbound()) {
            assertTrue(passed instanceof io.netty.handler.codec.http.HttpContent content && content.decoderResult().isSuccess(),
                    "a failed chunk was handed on: " + passed);
            io.netty.util.ReferenceCountUtil.release(passed);
        }
    }
}
