package dev.warden.launcher.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway against a small origin: proxying, and the Warden error shape for 404 and 502. */
class GatewayTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Vertx origin;
    private static Gateway gateway;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        origin = Vertx.vertx();
        int originPort = origin.createHttpServer()
                .requestHandler(req -> req.body().onSuccess(body -> req.response()
                        .putHeader("content-type", "text/plain")
                        .end(req.method() + " " + req.uri() + " host=" + req.authority() + " body=" + body)))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .actualPort();
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RoutingTable table = RoutingTable.parse("""
                {"services": {"up": {"port": 1}, "down": {"port": 2}, "unbuilt": {"port": 3}},
                 "routes": [{"match": "prefix", "path": "/v1/up", "service": "up"},
                            {"match": "regex", "path": "/v1/down/.*", "service": "down"},
                            {"match": "prefix", "path": "/v1/unbuilt", "service": "unbuilt"}]}""");
        gateway = new Gateway(table, Map.of("up", originPort, "down", closedPort));
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
        assertEquals("POST /v1/up/x?y=1 host=127.0.0.1:" + port + " body=hello", response.body());
    }

    @Test
    void unknownPathIsA404InTheWardenErrorShape() throws Exception {
        HttpResponse<String> response = send("GET", "/v1/nothing", null);
        assertEquals(404, response.statusCode());
        assertError(response, "not_found");
    }

    @Test
    void unreachableOrUnstartedServiceIsA502InTheWardenErrorShape() throws Exception {
        HttpResponse<String> down = send("POST", "/v1/down/1", "body");
        assertEquals(502, down.statusCode());
        assertError(down, "bad_gateway");
        HttpResponse<String> unbuilt = send("GET", "/v1/unbuilt", null);
        assertEquals(502, unbuilt.statusCode());
        assertError(unbuilt, "bad_gateway");
    }

    private static void assertError(HttpResponse<String> response, String code) throws Exception {
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertEquals(code, error.get("code").asText());
        assertTrue(error.get("message").asText().length() > 0);
        assertTrue(error.get("details").isArray() && error.get("details").isEmpty());
    }
}
