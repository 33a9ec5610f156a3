package dev.warden.launcher.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway against a small origin: proxying, and the Warden error shape for its own refusals. */
class GatewayTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The services the test says are restarting: the supervisor's part. */
    private static final Set<String> RESTARTING = ConcurrentHashMap.newKeySet();

    /** The origin's open event streams. */
    private static final java.util.concurrent.BlockingQueue<io.vertx.core.http.HttpServerResponse> STREAMS =
            new java.util.concurrent.LinkedBlockingQueue<>();

    private static Vertx origin;
    private static Gateway gateway;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        origin = Vertx.vertx();
        // Its own limits above the gateway's, as the services' are: what the gateway lets through, it takes.
        int originPort = origin.createHttpServer(new HttpServerOptions().setMaxInitialLineLength(65_536).setMaxHeaderSize(65_536))
                .requestHandler(req -> req.body().onSuccess(body -> {
                    if (req.path().equals("/v1/up/stream")) {
                        // A stream (server-sent events): the first event now, the end when the test says.
                        req.response().setChunked(true).putHeader("content-type", "text/event-stream");
                        req.response().write("data: first\n\n");
                        STREAMS.add(req.response());
                        return;
                    }
                    if (req.path().equals("/v1/up/cut")) {
                        // A service that dies halfway through its answer.
                        req.response().setChunked(true).write("part").onComplete(written -> req.connection().close());
                        return;
                    }
                    if (req.path().equals("/v1/up/request-id")) {
                        // As a service does: logs the request's id and echoes it
                        req.response().putHeader("X-Request-Id", req.getHeader("X-Request-Id"))
                                .end("id=" + req.getHeader("X-Request-Id"));
                        return;
                    }
                    req.response()
                            .putHeader("content-type", "text/plain")
                            .end(req.method() + " " + req.uri() + " host=" + req.authority() + " body=" + body
                                    + " xff=" + req.getHeader("X-Forwarded-For")
                                    + (req.path().equals("/v1/up/forwarded") ? " xfp=" + req.getHeader("X-Forwarded-Proto")
                                    + " xfh=" + req.getHeader("X-Forwarded-Host") + " xfport=" + req.getHeader("X-Forwarded-Port")
                                    + " xfprefix=" + req.getHeader("X-Forwarded-Prefix") + " forwarded=" + req.getHeader("Forwarded")
                                    + " real-ip=" + req.getHeader("X-Real-IP") : ""));
                }))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .actualPort();
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RoutingTable table = RoutingTable.parse("""
                {"services": {"up": {"port": 1}, "down": {"port": 2, "error_fields": {"ok": false}}, "unbuilt": {"port": 3},
                              "restarting": {"port": 4}},
                 "routes": [{"match": "pattern", "path": "/openapi/up", "service": "up", "rewrite": "/q/openapi"},
                            {"match": "prefix", "path": "/v1/up", "service": "up"},
                            {"match": "regex", "path": "/v1/down/.*", "service": "down"},
                            {"match": "prefix", "path": "/v1/unbuilt", "service": "unbuilt"},
                            {"match": "prefix", "path": "/v1/restarting", "service": "restarting"}]}""");
        RESTARTING.add("restarting");
        gateway = new Gateway(table, Map.of("up", originPort, "down", closedPort, "restarting", originPort),
                service -> RESTARTING.contains(service) ? Optional.of(Duration.ofMillis(2_100)) : Optional.empty(),
                Duration.ofSeconds(30));
        port = gateway.start(0);
    }

    @AfterAll
    static void stop() {
        gateway.stop();
        origin.close();
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void forwardsMethodPathQueryBodyAndHost() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/up/x?y=1", "hello");
        assertEquals(200, response.statusCode());
        assertEquals("POST /v1/up/x?y=1 host=127.0.0.1:" + port + " body=hello xff=127.0.0.1", response.body());
    }

    /** A service's OpenAPI document, at /q/openapi on each, is /openapi/<service> through the gateway, query kept. */
    @Test
    void aRewritingRouteAsksItsServiceForItsOwnPathWithTheQuery() throws Exception {
        assertEquals("GET /q/openapi?format=json host=127.0.0.1:" + port + " body= xff=127.0.0.1",
                send("GET", "/openapi/up?format=json", null).body());
        assertEquals("GET /q/openapi host=127.0.0.1:" + port + " body= xff=127.0.0.1", send("GET", "/openapi/up", null).body());
        assertEquals(404, send("GET", "/openapi/up/more", null).statusCode(), "a pattern is the whole path");
    }

    @Test
    void passesTheCallersAddressInXForwardedForReplacingWhatTheCallerSent() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/up/y"))
                .header("X-Forwarded-For", "203.0.113.66").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.body().endsWith(" xff=127.0.0.1"), response.body());
    }

    @Test
    void theForwardingHeadersAreTheGatewaysOwnNeverTheCallers() throws Exception {
        // Services build Location from them: a caller's X-Forwarded-Proto made its Location https://127.0.0.1/...
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/up/forwarded"))
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "evil.example")
                .header("X-Forwarded-Port", "443").header("X-Forwarded-Prefix", "/evil").header("Forwarded", "for=1.2.3.4;proto=https")
                .header("X-Real-IP", "203.0.113.66").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.body().endsWith(" xff=127.0.0.1 xfp=null xfh=null xfport=null xfprefix=null forwarded=null real-ip=null"),
                response.body());
    }

    @Test
    void aStreamedAnswerArrivesAsItComesNotAtItsEnd() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write("GET /v1/up/stream HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[4096];
            while (answer.indexOf("data: first") < 0) {
                int read = socket.getInputStream().read(buffer);
                assertTrue(read > 0, answer.toString());
                answer.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
            }
            // The first event came through while the service still holds the stream open; now it ends it.
            var stream = STREAMS.poll(10, TimeUnit.SECONDS);
            origin.runOnContext(v -> stream.end("data: last\n\n"));
            answer.append(readChunkedAnswer(socket));
            assertTrue(answer.toString().startsWith("HTTP/1.1 200"), answer.toString());
            assertTrue(answer.toString().contains("data: last"), answer.toString());
        }
    }

    @Test
    void aServiceGoneHalfwayThroughItsAnswerCutsTheCallersAnswerRatherThanEndingIt() {
        // Ended instead, the caller would take the half answer for the whole.
        assertThrows(java.io.IOException.class, () -> send("GET", "/v1/up/cut", null));
    }

    @Test
    void unknownPathIsA404InTheWardenErrorShape() throws Exception {
        HttpResponse<String> response = send("GET", "/v1/nothing", null);
        assertEquals(404, response.statusCode());
        assertError(response, "not_found");
    }

    @Test
    void everyAnswerNamesItsRequestAsTheServiceSawIt() throws Exception {
        // The caller's id reaches the service and comes back once
        HttpResponse<String> named = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/v1/up/request-id")).header("X-Request-Id", "req-7").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("id=req-7", named.body());
        assertEquals(List.of("req-7"), named.headers().allValues("X-Request-Id"));
        // Without one (or with one a service would not take), the gateway names it, for the service too
        HttpResponse<String> unnamed = send("GET", "/v1/up/request-id", null);
        String id = unnamed.headers().firstValue("X-Request-Id").orElseThrow();
        assertEquals("id=" + id, unnamed.body());
        assertEquals(1, unnamed.headers().allValues("X-Request-Id").size());
        // The gateway's own answers carry it (its 404 had none)
        HttpResponse<String> noRoute = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/v1/nothing")).header("X-Request-Id", "req-404").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, noRoute.statusCode());
        assertEquals(List.of("req-404"), noRoute.headers().allValues("X-Request-Id"));
        HttpResponse<String> tooLong = send("GET", "/v1/up/x?q=" + "x".repeat(9000), null);
        assertEquals(414, tooLong.statusCode());
        assertEquals(1, tooLong.headers().allValues("X-Request-Id").size());
    }

    @Test
    void aPathWithDotSegmentsIsRefusedNotForwardedToWhereTheServiceWouldResolveIt() throws Exception {
        // Routed as /v1/up/..., a service would resolve these to /q/metrics: unrouted, unauthenticated
        for (String path : List.of("/v1/up/../../q/metrics", "/v1/up/%2e%2e/%2E%2E/q/metrics", "/v1/up/..;x/q",
                "/v1/up/./x", "/v1/up/%2e/x")) {
            HttpResponse<String> response = send("GET", path, null);
            assertEquals(400, response.statusCode(), path);
            assertError(response, "bad_request");
        }
        assertEquals(200, send("GET", "/v1/up/..x/.y/%2e%2ez", null).statusCode()); // dots inside a name are a name
    }

    @Test
    void aPathWithMatrixParametersIsRefusedWhereverTheSemicolonStands() throws Exception {
        // On the route's own segment it was "No route" here, deeper a service's 400: the same 400 in both places now
        for (String path : List.of("/v1/up;x=1", "/v1;x/up/a", "/v1/up/a;dryrun=true")) {
            HttpResponse<String> response = send("GET", path, null);
            assertEquals(400, response.statusCode(), path);
            assertError(response, "bad_request");
        }
        assertEquals(200, send("GET", "/v1/up/a?x=1", null).statusCode());
    }

    /**
     * RFC 9112 3.2: one valid Host, never two nor none. A security trial's two Host headers reached the
     * service, which built Location from the first; with none it wrote its own loopback address into Location.
     */
    @Test
    void aRequestWithoutExactlyOneValidHostIsA400() throws Exception {
        for (String head : List.of("GET /v1/up/a HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
                "GET /v1/up/a HTTP/1.1\r\nConnection: close\r\n\r\n",
                // one Host, but no host: a list, a userinfo, a path, a space, nothing
                "GET /v1/up/a HTTP/1.1\r\nHost: a.example, evil.example\r\nConnection: close\r\n\r\n",
                "GET /v1/up/a HTTP/1.1\r\nHost: evil@a.example\r\nConnection: close\r\n\r\n",
                "GET /v1/up/a HTTP/1.1\r\nHost: a.example/x\r\nConnection: close\r\n\r\n",
                "GET /v1/up/a HTTP/1.1\r\nHost: evil example\r\nConnection: close\r\n\r\n",
                "GET /v1/up/a HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n")) {
            String answer = raw(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[0]);
            assertTrue(answer.startsWith("HTTP/1.1 400"), head + ": " + answer);
            assertTrue(answer.contains("\"code\":\"bad_request\"") && answer.contains("Host"), head + ": " + answer);
        }
        String plain = raw("GET /v1/up/a HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[0]);
        assertTrue(plain.startsWith("HTTP/1.1 200"), plain);
        for (String host : List.of("127.0.0.1:8080", "[::1]:8080", "warden.example.com", "warden_gateway:8080")) {
            String fine = raw(("GET /v1/up/a HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[0]);
            assertTrue(fine.startsWith("HTTP/1.1 200"), host + ": " + fine);
        }
        // HTTP/1.0 may send none (RFC 9112), but the service would then name its own address in Location: refused too
        String old = raw("GET /v1/up/a HTTP/1.0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[0]);
        assertTrue(old.contains(" 400 ") && old.contains("Host"), old);
        String oldWithHost = raw("GET /v1/up/a HTTP/1.0\r\nHost: localhost\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[0]);
        assertTrue(oldWithHost.contains(" 200 "), oldWithHost);
    }

    @Test
    void anUndecodableUriIsA400InTheErrorShape() throws Exception {
        // Sent raw: HTTP clients refuse to build such a URI, but anything can send one
        for (String target : List.of("/v1/up/x?status=%zz", "/v1/up/%zz", "/v1/up/x?y=%")) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 400"), target + ": " + answer);
                assertTrue(answer.contains("\"code\":\"bad_request\""), target + ": " + answer);
            }
        }
    }

    /**
     * {@code head} and {@code body} sent raw on a new connection; answers what the gateway sent before it closed the
     * connection, or before it sent nothing more for 3 s (a kept connection).
     */
    private static String raw(byte[] head, byte[] body) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(3_000);
            socket.getOutputStream().write(head);
            socket.getOutputStream().write(body);
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            try {
                for (int n = socket.getInputStream().read(buffer); n >= 0; n = socket.getInputStream().read(buffer)) {
                    got.write(buffer, 0, n);
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException quietOrReset) {
                // what came so far is the answer
            }
            return got.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void whatIsNoValidRequestGetsTheErrorShapeNeverAnEmptyAnswerOrNone() throws Exception {
        // Raw UTF-8 in the query (an URI is ASCII): a JSON 400, however many bytes its characters take
        for (String text : List.of("\u00e9", "\u2603")) {
            byte[] line = ("GET /v1/up/x?q=" + text + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            String answer = raw(line, new byte[0]);
            assertTrue(answer.startsWith("HTTP/1.1 400") && answer.contains("\"code\":\"bad_request\""), text + ": " + answer);
        }
        // A body whose chunk size is no number: an answer in the shape, not a closed connection
        String chunked = raw(("POST /v1/up/x HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                "ZZ\r\nabc\r\n0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        // (with its head read in an earlier read than the body: GatewayRequestSmugglingTest.aBadChunkAfterItsHeadWasHandedOnIsAnsweredByTheDecoder)
        // A version HTTP/1.x does not know
        String version = raw("GET /v1/up/x HTTP/1.2\r\nHost: localhost\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                new byte[0]);
        // A WebSocket upgrade: no route takes one; the request is answered as the plain request it also is
        String upgrade = raw(("GET /v1/up/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[0]);
        org.junit.jupiter.api.Assertions.assertAll(
                () -> assertTrue(chunked.startsWith("HTTP/1.1 400") && chunked.contains("\"code\":\"bad_request\""), "chunk: " + chunked),
                () -> assertTrue(version.startsWith("HTTP/1.1 505 ") && version.contains("\"code\":\"http_version_not_supported\""),
                        "version: " + version),
                () -> assertTrue(upgrade.startsWith("HTTP/1.1 200") && upgrade.contains("GET /v1/up/ws"), "upgrade: " + upgrade));
    }

    @Test
    void errorsTheGatewayAnswersOnAServicesPathsCarryTheFieldsItsSeedPutsBesideError() throws Exception {
        // "down" is enveloped as seed 003 is ({"ok": false, "error": ...}); "up" is not
        HttpResponse<String> refused = send("GET", "/v1/down/x", null);
        assertEquals(503, refused.statusCode());
        assertEquals(false, JSON.readTree(refused.body()).get("ok").asBoolean(true));
        assertEquals("service_unavailable", JSON.readTree(refused.body()).at("/error/code").asText());
        HttpResponse<String> tooLong = send("GET", "/v1/down/" + "a".repeat(5000), null);
        assertEquals(414, tooLong.statusCode());
        assertEquals(false, JSON.readTree(tooLong.body()).get("ok").asBoolean(true));
        HttpResponse<String> plain = send("GET", "/v1/up/" + "a".repeat(5000), null);
        assertEquals(414, plain.statusCode());
        assertEquals(null, JSON.readTree(plain.body()).get("ok"));
    }

    @Test
    void aServiceRefusingConnectionsIsA503WithRetryAfter() throws Exception {
        HttpResponse<String> down = send("POST", "/v1/down/1", "body");
        assertEquals(503, down.statusCode());
        assertError(down, "service_unavailable");
        assertEquals("5", down.headers().firstValue("retry-after").orElseThrow());
    }

    @Test
    void aRestartingServiceIsA503WithTheSupervisorsRetryAfterAndIsNotCalled() throws Exception {
        HttpResponse<String> restarting = send("GET", "/v1/restarting/x", null);
        assertEquals(503, restarting.statusCode());
        assertError(restarting, "service_unavailable");
        assertEquals("3", restarting.headers().firstValue("retry-after").orElseThrow());
    }

    @Test
    void aServiceThisSuiteDidNotStartIsA502() throws Exception {
        HttpResponse<String> unbuilt = send("GET", "/v1/unbuilt", null);
        assertEquals(502, unbuilt.statusCode());
        assertError(unbuilt, "bad_gateway");
    }

    @Test
    void aUriOverTheLimitIsA414InTheErrorShape() throws Exception {
        String path = "/v1/up/" + "a".repeat(RequestLimits.MAX_URI);
        assertEquals(200, send("GET", path.substring(0, RequestLimits.MAX_URI), null).statusCode());
        HttpResponse<String> response = send("GET", path, null);
        assertEquals(414, response.statusCode());
        assertError(response, "uri_too_long");
        // Past the HTTP decoder's own limit too.
        HttpResponse<String> huge = send("GET", "/v1/up/" + "a".repeat(100_000), null);
        assertEquals(414, huge.statusCode());
        assertError(huge, "uri_too_long");
    }

    @Test
    void headersOverTheLimitAreA431InTheErrorShape() throws Exception {
        assertEquals(200, sendWithHeader("x-big", "b".repeat(9_000)).statusCode());
        HttpResponse<String> response = sendWithHeader("x-big", "b".repeat(RequestLimits.MAX_HEADERS));
        assertEquals(431, response.statusCode());
        assertError(response, "headers_too_large");
        HttpResponse<String> huge = sendWithHeader("x-big", "b".repeat(100_000));
        assertEquals(431, huge.statusCode());
        assertError(huge, "headers_too_large");
    }

    @Test
    void aBodyDeclaredOverTheLimitIsA413InTheErrorShapeBeforeItIsSent() throws Exception {
        // Only the head is sent: the gateway must answer from Content-Length, without reading a body.
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("POST /v1/up/x HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (RequestLimits.MAX_BODY + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
            assertEquals("payload_too_large", JSON.readTree(body).at("/error/code").asText(), body);
        }
        assertEquals(200, send("POST", "/v1/up/x", "x".repeat((int) RequestLimits.MAX_BODY)).statusCode());
    }

    @Test
    void aChunkedBodyIsCountedAsItComesAndOneOverTheLimitIsA413InTheErrorShape() throws Exception {
        HttpResponse<String> small = sendChunked(new byte[1000]);
        assertEquals(200, small.statusCode());
        assertTrue(small.body().endsWith("body=" + new String(new byte[1000], StandardCharsets.UTF_8) + " xff=127.0.0.1"));
        HttpResponse<String> huge = sendChunked(new byte[(int) RequestLimits.MAX_BODY + 1]);
        assertEquals(413, huge.statusCode());
        assertError(huge, "payload_too_large");
    }

    /** An answer in chunks, read up to its last chunk (the connection stays open). */
    private static String readChunkedAnswer(Socket socket) throws Exception {
        StringBuilder answer = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (answer.indexOf("\r\n0\r\n\r\n") < 0) {
            int read = socket.getInputStream().read(buffer);
            if (read < 0) {
                break;
            }
            answer.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
        }
        return answer.toString();
    }

    private static HttpResponse<String> sendChunked(byte[] body) throws Exception {
        // A stream of unknown length: the client sends it chunked.
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/up/x"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> sendWithHeader(String name, String value) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/up/x"))
                .header(name, value).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> response, String code) throws Exception {
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertEquals(code, error.get("code").asText());
        assertTrue(error.get("message").asText().length() > 0);
        assertTrue(error.get("details").isArray() && error.get("details").isEmpty());
    }
}
