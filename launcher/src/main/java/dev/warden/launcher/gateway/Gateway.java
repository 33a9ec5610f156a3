package dev.warden.launcher.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.OriginRequestProvider;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyOptions;
import io.vertx.httpproxy.ProxyResponse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The one local entry point: a Vert.x reverse proxy that sends each request to the service its path is routed to in
 * the routing table. Requests no route matches get a 404, and a service that cannot be reached a 502, both in the
 * error shape of every Warden API, so clients handle the gateway's errors like the services' own.
 */
public final class Gateway {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORIGIN = "warden.origin";

    private final RoutingTable table;
    private final Map<String, SocketAddress> origins;
    private Vertx vertx;

    /**
     * @param table   the routes, in order
     * @param origins where each service of the table listens now (services may run on other ports than the table's)
     */
    public Gateway(RoutingTable table, Map<String, Integer> origins) {
        this.table = table;
        this.origins = origins.entrySet().stream().collect(Collectors.toUnmodifiableMap(
                Map.Entry::getKey, e -> SocketAddress.inetSocketAddress(e.getValue(), "127.0.0.1")));
    }

    /**
     * Starts listening on 127.0.0.1; port 0 picks a free port. Returns the port. One server per core shares the port,
     * each on its own event loop with its own pool of connections to the services: a single loop caps a proxy at
     * one core (bench/request measured the gateway at half the services' direct throughput with one).
     */
    public synchronized int start(int port) {
        vertx = Vertx.vertx();
        int loops = Math.max(2, Runtime.getRuntime().availableProcessors());
        try {
            // Servers of one Vert.x instance share a port they all ask for by number; each asking for 0 would get a
            // port of its own, so 0 is turned into a free port first.
            int actual = port == 0 ? freePort() : port;
            for (int i = 0; i < loops; i++) {
                listen(actual);
            }
            return actual;
        } catch (Exception e) {
            stop();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("gateway cannot listen on port " + port + ": " + cause.getMessage(), cause);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Deploys one proxy server on its own event loop; answers its port. */
    private int listen(int port) throws Exception {
        Promise<Integer> bound = Promise.promise();
        vertx.deployVerticle(new AbstractVerticle() {
            @Override
            public void start(Promise<Void> started) {
                var client = vertx.createHttpClient(
                        new HttpClientOptions().setConnectTimeout(5_000).setKeepAlive(true),
                        new PoolOptions().setHttp1MaxSize(50));
                HttpProxy proxy = HttpProxy.reverseProxy(new ProxyOptions(), client)
                        .origin(OriginRequestProvider.selector(ctx -> Future.succeededFuture(ctx.get(ORIGIN, SocketAddress.class))))
                        .addInterceptor(new Routing());
                vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
                        .requestHandler(proxy)
                        .listen()
                        .onSuccess(server -> {
                            bound.tryComplete(server.actualPort());
                            started.complete();
                        })
                        .onFailure(failure -> {
                            bound.tryFail(failure);
                            started.fail(failure);
                        });
            }
        }).onFailure(bound::tryFail);
        return bound.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public synchronized void stop() {
        if (vertx != null) {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // Closing is best effort: the process is going away anyway.
            }
            vertx = null;
        }
    }

    /** Picks the origin by the routing table before the request leaves, and turns failures into Warden errors. */
    private final class Routing implements ProxyInterceptor {

        @Override
        public Future<ProxyResponse> handleProxyRequest(ProxyContext ctx) {
            var incoming = ctx.request().proxiedRequest();
            Optional<Route> route = table.match(incoming.path());
            SocketAddress origin = route.map(r -> origins.get(r.service())).orElse(null);
            if (route.isEmpty()) {
                return Future.succeededFuture(error(ctx, 404, "not_found",
                        "No route for " + incoming.method() + " " + incoming.path()));
            }
            if (origin == null) {
                return Future.succeededFuture(error(ctx, 502, "bad_gateway",
                        route.get().service() + " is not running"));
            }
            ctx.set(ORIGIN, origin);
            // Keep the caller's Host, as a production gateway does: services build Location headers from it.
            if (incoming.authority() != null) {
                ctx.request().setAuthority(incoming.authority());
            }
            return ctx.sendRequest().recover(failure -> Future.succeededFuture(error(ctx, 502, "bad_gateway",
                    route.get().service() + " is not reachable: " + failure.getMessage())));
        }

        private ProxyResponse error(ProxyContext ctx, int status, String code, String message) {
            ObjectNode body = JSON.createObjectNode();
            ObjectNode error = body.putObject("error");
            error.put("code", code).put("message", message).putArray("details");
            return ctx.request().release().response()
                    .setStatusCode(status)
                    .putHeader("content-type", "application/json")
                    .setBody(Body.body(Buffer.buffer(body.toString())));
        }
    }
}
