package dev.warden.runner.engine;

import com.github.dockerjava.transport.DockerHttpClient;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Pools of the engine's connections, each fake, failing as a pooled connection to a dead process does. */
class FreshConnectionsTest {

    private final List<Pool> pools = new ArrayList<>();

    @Test
    void aRequestThatCouldNotBeWrittenGoesAgainOnANewPoolWhichTheNextCallsUse() {
        FreshConnections engine = new FreshConnections(() -> pool(new IOException("Broken pipe")), "unix:///x.sock");

        assertEquals(201, engine.execute(request("POST")).getStatusCode());
        assertEquals(2, pools.size(), "a new pool after the dead connection");
        assertEquals(List.of("POST"), pools.get(1).served);
        engine.execute(request("GET"));
        assertEquals(2, pools.size());
        assertEquals(List.of("POST", "GET"), pools.get(1).served);
    }

    @Test
    void aRequestWrittenToADeadConnectionGoesAgainOnlyWhenTheEngineMayReceiveItTwice() {
        FreshConnections engine = new FreshConnections(() -> pool(new NoHttpResponseException("no answer")), "x");
        assertThrows(RuntimeException.class, () -> engine.execute(request("POST")));
        assertEquals(2, pools.size(), "renewed all the same: the next calls go on new connections");
        engine.execute(request("POST"));
        assertEquals(List.of("POST"), pools.get(1).served);

        pools.clear();
        FreshConnections again = new FreshConnections(() -> pool(new NoHttpResponseException("no answer")), "x");
        again.execute(request("DELETE"));
        assertEquals(List.of("DELETE"), pools.get(1).served);
    }

    @Test
    void anyOtherFailureIsTheCallersAndKeepsThePool() {
        FreshConnections engine = new FreshConnections(() -> pool(new IOException("Connection refused")), "x");
        RuntimeException refused = assertThrows(RuntimeException.class, () -> engine.execute(request("GET")));
        assertEquals("java.io.IOException: Connection refused", refused.getMessage());
        assertEquals(1, pools.size());
    }

    /** A pool whose calls fail with {@code dead}, as docker-java throws it, when it is the first made: later ones work. */
    private Pool pool(IOException dead) {
        Pool pool = new Pool(pools.isEmpty() ? new RuntimeException(dead) : null);
        pools.add(pool);
        return pool;
    }

    private static DockerHttpClient.Request request(String method) {
        return DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.valueOf(method)).path("/x")
                .headers(Map.of()).bodyBytes(method.equals("POST") ? new byte[] {'{', '}'} : null).build();
    }

    private static final class Pool implements DockerHttpClient {

        private final RuntimeException failure;
        private final List<String> served = new ArrayList<>();

        Pool(RuntimeException failure) {
            this.failure = failure;
        }

        @Override
        public Response execute(Request request) {
            if (failure != null) {
                throw failure;
            }
            served.add(request.method());
            return new Response() {
                @Override public int getStatusCode() { return request.method().equals("POST") ? 201 : 200; }
                @Override public Map<String, List<String>> getHeaders() { return Map.of(); }
                @Override public InputStream getBody() { return InputStream.nullInputStream(); }
                @Override public void close() { }
            };
        }

        @Override
        public void close() {
        }
    }
}
