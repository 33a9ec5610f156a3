package dev.warden.launcher.gateway;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyOptions;
import io.vertx.httpproxy.ProxyResponse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The one local entry point: a Vert.x reverse proxy that sends each request to the service its path is routed to in
 * the routing table. Every refusal is in the error shape of every Warden API, so clients handle the gateway's errors
 * like the services' own: a request over the limits ({@link RequestLimits}) a 413, 414 or 431; no route a 404; a
 * service that is down, restarting or not answering a 503 with {@code Retry-After}; a service this launcher did not
 * start a 502; a request body that stops coming, or comes too slowly, a 408; a request whose body length a front proxy
 * could read differently (both {@code Content-Length} and {@code Transfer-Encoding}, or a {@code Transfer-Encoding}
 * other than {@code chunked}) a 400, its connection closed ({@link RequestFraming}).
 * <p>
 * A request body is read whole into memory (at most {@link RequestLimits#MAX_BODY} bytes) before the request takes a
 * connection to its service, as nginx's {@code proxy_request_buffering} does: a caller that sends its body slowly
 * holds its own connection and what it has sent, never one of the pool's connections to the service, which every
 * tenant shares. Requests without a body, and every answer, pass through as they come (the event streams).
 */
public final class Gateway {

    private static final String ORIGIN = "warden.origin";
    /**
     * Set, to the 408's message, once the request's body stopped coming or came too slowly: its answer is a 408, and
     * its connection is closed after it.
     */
    private static final String STALLED = "warden.stalled";
    /** Set once a request was answered before its body was read whole: its connection is closed after the answer. */
    private static final String UNREAD = "warden.unread";
    /**
     * The slowest a request body may come, in bytes a second: it is due within the body timeout plus a second for
     * every this many bytes of it received (Apache's {@code mod_reqtimeout} {@code MinRate}, and its default).
     */
    static final int BODY_MIN_RATE = 500;
    /**
     * Connections to each service per event loop: more than a service lets be open as event streams (1000 by default,
     * {@code warden.streams.max}), each of which holds one for as long as it is open, so that streams never take them
     * all; Envoy's circuit breakers allow 1024 connections per upstream by default. The gateway is not where requests
     * queue: one organization's flood waits at the service, in that organization's own line for a database connection
     * (TenantDb's turns), where another organization's requests pass it. With 50, the gateway's queue was first come
     * first served across organizations: another organization's requests waited behind 300 of one organization's, 10
     * to 46 times slower than alone, and seven organizations' streams took every connection.
     */
    static final int POOL_SIZE = 1024;
    /** What a caller may not tell a service about the request's way to it (X-Forwarded-For the gateway sets itself). */
    /**
     * A Host header's value (RFC 9110 7.2): a name (RFC 3986's unreserved characters) or an IPv4 address, or an IPv6
     * one in brackets, and an optional port.
     */
    private static final java.util.regex.Pattern HOST = java.util.regex.Pattern.compile(
            "(?:[A-Za-z0-9_~](?:[A-Za-z0-9._~-]{0,251}[A-Za-z0-9._~])?|\\[[0-9A-Fa-f:.]{2,45}])(?::[0-9]{1,5})?");

    private static final List<String> FORWARDING = List.of("Forwarded", "X-Forwarded-Proto", "X-Forwarded-Host",
            "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Forwarded-Server", "X-Real-IP");
    /** The Retry-After of a failed connection to a service the supervisor still counts up. */
    private static final Duration RETRY_UNREACHABLE = Duration.ofSeconds(5);

    private final RoutingTable table;
    private final Map<String, SocketAddress> origins;
    private final ServiceStatus status;
    private final Duration bodyTimeout;
    private final int poolSize;
    private final BodyBudget bodies;
    private final int maxConnections;
    private final Duration headTimeout;
    /** Connections open now, over every event loop. */
    private final AtomicInteger connections = new AtomicInteger();

    /**
     * What the gateway holds at most: {@code poolSize} connections to each service per event loop ({@link #POOL_SIZE}),
     * {@code bodyBytes} of request bodies at once ({@link BodyBudget}), {@code maxConnections} connections from
     * callers at once (one more is closed as it opens), and {@code headTimeout} for a connection without a request in
     * progress ({@link CallerConnection}).
     */
    record Bounds(int poolSize, long bodyBytes, int maxConnections, Duration headTimeout) {

        static Bounds defaults() {
            return new Bounds(POOL_SIZE, BodyBudget.DEFAULT_BYTES, connectionsFor(fileDescriptorLimit()), CallerConnection.DEFAULT_HEAD_TIMEOUT);
        }

        Bounds withPoolSize(int size) {
            return new Bounds(size, bodyBytes, maxConnections, headTimeout);
        }

        Bounds withBodyBytes(long bytes) {
            return new Bounds(poolSize, bytes, maxConnections, headTimeout);
        }

        Bounds withConnections(int most, Duration timeout) {
            return new Bounds(poolSize, bodyBytes, most, timeout);
        }
    }

    /**
     * The connections from callers the launcher can hold with {@code fileDescriptors}: each proxied one takes a second
     * to its service, and a thousand are left for the launcher's own (the services' processes, PostgreSQL's and Kafka's
     * logs, the supervisor's checks); at most 10,000. A user trial's 19,900 half-sent request heads took every
     * descriptor of the launcher's 20,000: no request was answered, and the supervisor, unable to look at PostgreSQL,
     * took it for dead.
     */
    static int connectionsFor(long fileDescriptors) {
        return (int) Math.max(64, Math.min(10_000, (fileDescriptors - 1_000) / 2));
    }

    private static long fileDescriptorLimit() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : 8_192;
    }
    private Vertx vertx;

    /**
     * @param table       the routes, in order
     * @param origins     where each service of the table listens now (services may run on other ports than the table's)
     * @param status      whether each service is up now
     * @param bodyTimeout how long a request body may stop coming before the request is answered 408, and how long it
     *                    may take in all besides a second for every {@value #BODY_MIN_RATE} bytes (zero: no limit)
     */
    public Gateway(RoutingTable table, Map<String, Integer> origins, ServiceStatus status, Duration bodyTimeout) {
        this(table, origins, status, bodyTimeout, Bounds.defaults());
    }

    /** With {@code poolSize} connections to each service per event loop (tests fill a small pool). */
    Gateway(RoutingTable table, Map<String, Integer> origins, ServiceStatus status, Duration bodyTimeout, int poolSize) {
        this(table, origins, status, bodyTimeout, Bounds.defaults().withPoolSize(poolSize));
    }

    /** With {@code bounds} (tests reach smaller ones). */
    Gateway(RoutingTable table, Map<String, Integer> origins, ServiceStatus status, Duration bodyTimeout, Bounds bounds) {
        this.poolSize = bounds.poolSize();
        this.maxConnections = bounds.maxConnections();
        this.headTimeout = bounds.headTimeout();
        this.bodies = new BodyBudget(bounds.bodyBytes());
        this.table = table;
        this.status = status;
        this.bodyTimeout = bodyTimeout;
        this.origins = origins.entrySet().stream().collect(Collectors.toUnmodifiableMap(
                Map.Entry::getKey, e -> SocketAddress.inetSocketAddress(e.getValue(), "127.0.0.1")));
    }

    /**
     * Starts listening on 127.0.0.1; port 0 picks a free port. Returns the port. One server per core shares the port,
     * each on its own event loop with its own pool of connections to the services: a single loop caps a proxy at
     * one core (bench/request measured the gateway at half the services' direct throughput with one).
     */
    public synchronized int start(int port) {
        // Netty's epoll transport where there is one (Linux): fewer system calls per proxied request than NIO's selector.
        vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        try {
            // Servers of one Vert.x instance share a port they all ask for by number; each asking for 0 would get a
            // port of its own, so 0 is turned into a free port first.
            int actual = port == 0 ? freePort() : port;
            for (int i = 0; i < loops(); i++) {
                listen(actual);
            }
            return actual;
        } catch (Exception e) {
            stop();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("gateway cannot listen on port " + port + ": " + cause.getMessage(), cause);
        }
    }

    /** How many proxy servers, each on its own event loop with its own pool, share the port. */
    static int loops() {
        return Math.max(2, Runtime.getRuntime().availableProcessors());
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
                var client = vertx.httpClientBuilder()
                        .with(new HttpClientOptions().setConnectTimeout(5_000).setKeepAlive(true))
                        .with(new PoolOptions().setHttp1MaxSize(poolSize))
                        // A service killed with requests unread resets its connections; a request on one is answered
                        // 503 below, and unhandled, Vert.x logged each reset as an error on the launcher's console.
                        .withConnectHandler(connection -> connection.exceptionHandler(failure -> { }))
                        .build();
                // No route serves WebSockets: an Upgrade is ignored (RFC 9110 lets a server), and the request answered
                // as the plain request it also is; tried, the service's 200 made the proxy answer an empty 502
                HttpProxy proxy = HttpProxy.reverseProxy(new ProxyOptions().setSupportWebSocket(false), client)
                        .origin(Gateway.this::upstream)
                        .addInterceptor(new Routing());
                RequestLimits limits = new RequestLimits(vertx, proxy, table);
                HttpServerOptions options = RequestLimits.decoderLimits(new HttpServerOptions().setHost("127.0.0.1").setPort(port));
                vertx.createHttpServer(options)
                        // Before a connection's first request is read: a request with ambiguous framing is invalid.
                        .connectionHandler(admitted(RequestFraming.guard(options, table, headTimeout)))
                        .invalidRequestHandler(limits::invalid)
                        .requestHandler(limits)
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

    /**
     * {@code next} for a connection while fewer than {@link Bounds#maxConnections} are open; past it, the connection is
     * closed as it opens, before anything of it is read (as nginx does past its {@code worker_connections}).
     */
    private Handler<HttpConnection> admitted(Handler<HttpConnection> next) {
        return connection -> {
            if (connections.incrementAndGet() > maxConnections) {
                connections.decrementAndGet();
                connection.close();
                return;
            }
            connection.closeHandler(closed -> connections.decrementAndGet());
            next.handle(connection);
        };
    }

    /** The connections from callers open now. */
    int openConnections() {
        return connections.get();
    }

    /** The request body bytes held now ({@link BodyBudget}). */
    long heldBodyBytes() {
        return bodies.held();
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

    /**
     * Whether a service would take the URI: Quarkus refuses one that {@link URI} cannot parse (an invalid
     * percent-encoding such as {@code %zz}, a space) with an empty 400 before any of its code runs, so the gateway
     * refuses it first, in the error shape.
     */
    static boolean validUri(String uri) {
        // A URI is ASCII (RFC 3986); raw UTF-8 arrives here as one character per byte, which the proxy sent on
        // re-encoded (é's two bytes as four), and a service answered an empty 400
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        try {
            new URI(uri);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /**
     * Whether a path holds a {@code .} or {@code ..} segment, written plainly or percent-encoded (one with matrix
     * parameters, {@code ..;x}, is refused before for its {@code ;}). The gateway routes the path as it came, and a service resolves such segments before its
     * own routing: {@code /v1/agents/%2e%2e/%2e%2e/q/metrics} would be routed as an agent path and served as the
     * service's unrouted metrics. No API path has such a segment, so it is refused rather than resolved. Every service
     * refuses the same paths itself (warden-api's {@code RequestLimits.hasDotSegment}); the gateway repeats the rule, as
     * it repeats the size limits, because it does not depend on warden-api (docs/launcher.md).
     */
    static boolean hasDotSegment(String path) {
        for (String segment : path.split("/", -1)) {
            String name = segment.replace("%2e", ".").replace("%2E", ".");
            if (name.equals(".") || name.equals("..")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The request to the service, once the client's pool has a connection for it; its body, if any, is all in by now.
     * The pool queues a request when all its connections are busy (a service slow to answer), and Vert.x 4 cannot take
     * one out of its queue: a request whose caller went away while it waited is therefore reset the moment it gets its
     * connection, before anything is written, which hands the connection straight back to the pool rather than have
     * the service do work nobody waits for. Once sent, the proxy resets it itself when the caller goes (ProxiedRequest's
     * response exception handler).
     */
    private Future<HttpClientRequest> upstream(ProxyContext ctx) {
        HttpServerRequest incoming = ctx.request().proxiedRequest();
        return ctx.client().request(new RequestOptions().setServer(ctx.get(ORIGIN, SocketAddress.class)))
                .compose(request -> {
                    // Its failures reach the proxy through its response; unhandled here, Vert.x would also log each
                    // reset (a caller gone) as an error on the console.
                    request.exceptionHandler(failure -> { });
                    if (incoming.response().closed()) {
                        request.reset();
                        return Future.failedFuture("the caller went away while its request waited for a connection");
                    }
                    return Future.succeededFuture(request);
                });
    }

    /**
     * Completes {@code late} if the request's body, not all in yet, gains no byte for {@link #bodyTimeout}, or is not
     * all in by its deadline: the body timeout plus a second for every {@value #BODY_MIN_RATE} bytes of it received
     * so far, counted from its head. Either way the request is marked {@link #STALLED} with the 408's message. The
     * first rule ends a body that stops; the second one that trickles on forever (a byte every few seconds), which the
     * first never would. Only while the body comes: an answer may be quiet as long as it likes (the event streams send
     * nothing between events), so this is no idle timeout of either connection. Checked every quarter of the timeout
     * (at most every second); the timer ends with the body, or with the connection. Answers the timer's id, or -1.
     */
    private long watchBody(ProxyContext ctx, Promise<Void> late) {
        long timeout = bodyTimeout.toNanos();
        if (timeout <= 0) {
            return -1;
        }
        HttpServerRequest incoming = ctx.request().proxiedRequest();
        long start = System.nanoTime();
        long[] progress = {incoming.bytesRead(), start};
        long period = Math.max(1, Math.min(1_000, bodyTimeout.toMillis() / 4));
        return vertx.setPeriodic(period, timer -> {
            long now = System.nanoTime();
            long read = incoming.bytesRead();
            if (incoming.isEnded() || incoming.response().closed()) {
                vertx.cancelTimer(timer);
                return;
            }
            if (read != progress[0]) {
                progress[0] = read;
                progress[1] = now;
            }
            if (now - progress[1] >= timeout) {
                vertx.cancelTimer(timer);
                ctx.set(STALLED, "The request body stopped coming: nothing of it came for " + seconds(bodyTimeout.toMillis()));
                late.tryComplete();
            } else if (now - start >= timeout + read * 1_000_000_000L / BODY_MIN_RATE) {
                vertx.cancelTimer(timer);
                ctx.set(STALLED, "The request body came too slowly: " + read + " bytes of it in "
                        + seconds(TimeUnit.NANOSECONDS.toMillis(now - start)) + ", where it may take "
                        + seconds(bodyTimeout.toMillis()) + " and a second for every " + BODY_MIN_RATE
                        + " bytes (at least " + BODY_MIN_RATE + " bytes a second)");
                late.tryComplete();
            }
        });
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    private static boolean stalled(ProxyContext ctx) {
        return ctx.get(STALLED, String.class) != null;
    }

    /** Picks the origin by the routing table before the request leaves, and turns failures into Warden errors. */
    private final class Routing implements ProxyInterceptor {

        @Override
        public Future<ProxyResponse> handleProxyRequest(ProxyContext ctx) {
            var incoming = ctx.request().proxiedRequest();
            if (!validUri(incoming.uri())) {
                return Future.succeededFuture(error(ctx, 400, "bad_request",
                        "The request URI is not valid: check its percent-encoding (%XX) and characters"));
            }
            java.util.List<String> hosts = incoming.headers().getAll("Host");
            if (hosts.size() != 1 || !HOST.matcher(hosts.getFirst()).matches()) {
                // RFC 9112 3.2: one valid Host, never two; services build Location from it, and took the first of two,
                // a list or a userinfo as given, or wrote their own address without one (HTTP/1.0 may send none, RFC
                // 9112 says, but every client sends one: refused too, rather than a Location naming the service)
                return Future.succeededFuture(error(ctx, 400, "bad_request",
                        "A request needs exactly one Host header, a host and an optional port (RFC 9112)"));
            }
            if (incoming.path().indexOf(';') >= 0) {
                // As every service refuses it (warden-api's RequestLimits): a router drops matrix parameters, so a
                // route's own segment with one was "No route" here and a deeper one a 400 there
                return Future.succeededFuture(error(ctx, 400, "bad_request",
                        "A path may not hold matrix parameters (\";\"): send parameters in the query"));
            }
            if (hasDotSegment(incoming.path())) {
                return Future.succeededFuture(error(ctx, 400, "bad_request",
                        "A path may not hold a \".\" or \"..\" segment"));
            }
            Optional<Route> route = table.match(incoming.path());
            SocketAddress origin = route.map(r -> origins.get(r.service())).orElse(null);
            if (route.isEmpty()) {
                return Future.succeededFuture(error(ctx, 404, "not_found",
                        "No route for " + incoming.method() + " " + incoming.path()));
            }
            String service = route.get().service();
            if (origin == null) {
                return Future.succeededFuture(error(ctx, 502, "bad_gateway",
                        service + " is not part of this suite (not built, or not in WARDEN_SERVICES)"));
            }
            Optional<Duration> down = status.retryAfter(service);
            if (down.isPresent()) {
                return Future.succeededFuture(unavailable(ctx, service + " is restarting", down.get()));
            }
            ctx.set(ORIGIN, origin);
            if (route.get().rewrite() != null) {
                ctx.request().setURI(route.get().uriFor(incoming.uri()));
            }
            // Keep the caller's Host, as a production gateway does: services build Location headers from it.
            if (incoming.authority() != null) {
                ctx.request().setAuthority(incoming.authority());
            }
            // The caller's address, as a production gateway passes it (set, never appended: a caller cannot choose it):
            // open registration limits per address by it, fleet-service records it as an instance's ip when the
            // instance does not say. Services believe it only from WARDEN_TRUSTED_PROXIES.
            if (incoming.remoteAddress() != null) {
                ctx.request().headers().set("X-Forwarded-For", incoming.remoteAddress().hostAddress());
            }
            // Nothing else a proxy may say about the request's way reaches a service from the caller (services build
            // Location from it): a caller's X-Forwarded-Proto made its Location https://127.0.0.1/..., on no such port.
            // The gateway says none of it either: the service sees the caller's Host over plain HTTP, as the caller sent
            // it (an X-Forwarded-Proto of its own without a port made services drop the Host's port from Location).
            FORWARDING.forEach(ctx.request().headers()::remove);
            if (RequestLimits.declaredBody(incoming) > 0 || RequestLimits.unknownLength(incoming)) {
                // The body is read whole before the request takes a connection to the service: a slow sender holds
                // only its own connection. A chunked body is counted as it comes, so that one over the limit is refused
                // in the shape like the rest; it is sent on with its length.
                if (incoming.headers().contains(HttpHeaders.EXPECT, HttpHeaders.CONTINUE, true)) {
                    // The gateway takes the body, so the gateway says to send it; the service gets it whole, unasked.
                    incoming.response().writeContinue();
                    ctx.request().headers().remove(HttpHeaders.EXPECT);
                }
                Promise<Void> late = Promise.promise();
                long watch = watchBody(ctx, late);
                BodyBudget.Held held = bodies.hold();
                return RequestLimits.readBody(incoming, late.future(), held)
                        .andThen(read -> vertx.cancelTimer(watch))
                        .compose(body -> {
                            ctx.request().headers().remove(HttpHeaders.TRANSFER_ENCODING);
                            ctx.request().setBody(Body.body(body));
                            return send(ctx, service);
                        }, failure -> Future.succeededFuture(failure instanceof RequestLimits.BodyTooLarge
                                ? error(ctx, 413, "payload_too_large", failure.getMessage())
                                : failure instanceof BodyBudget.Full ? full(ctx, failure.getMessage())
                                : stalled(ctx) ? timedOut(ctx)
                                : error(ctx, 400, "bad_request", "The request body could not be read")))
                        // Sent whole to the service by now (its answer's head is in), or refused
                        .andThen(done -> held.release());
            }
            return send(ctx, service);
        }

        private Future<ProxyResponse> send(ProxyContext ctx, String service) {
            // Refused or reset: the process is gone or going, and the supervisor is about to hear of it.
            return ctx.sendRequest()
                    .recover(failure -> Future.succeededFuture(unavailable(ctx, service + " is not answering",
                            status.retryAfter(service).orElse(RETRY_UNREACHABLE))));
        }

        @Override
        public Future<Void> handleProxyResponse(ProxyContext ctx) {
            Future<Void> sent = ctx.sendResponse();
            if (stalled(ctx) || ctx.get(UNREAD, Boolean.class) != null) {
                // The rest of the body may never come: the connection cannot carry a next request, so it goes.
                sent.onComplete(done -> ctx.request().proxiedRequest().connection().close());
            }
            return sent;
        }

        /** The body budget has no room for this one ({@link BodyBudget}): a 503, and the connection goes after it. */
        private ProxyResponse full(ProxyContext ctx, String message) {
            ctx.set(UNREAD, Boolean.TRUE);
            return unavailable(ctx, message, Duration.ofSeconds(1)).putHeader("connection", "close");
        }

        private ProxyResponse timedOut(ProxyContext ctx) {
            return error(ctx, 408, "request_timeout", ctx.get(STALLED, String.class)).putHeader("connection", "close");
        }

        private ProxyResponse unavailable(ProxyContext ctx, String message, Duration retryAfter) {
            return error(ctx, 503, "service_unavailable", message)
                    .putHeader("retry-after", String.valueOf(Math.max(1, (retryAfter.toMillis() + 999) / 1000)));
        }

        private ProxyResponse error(ProxyContext ctx, int status, String code, String message) {
            String path = ctx.request().proxiedRequest().path();
            return ctx.request().release().response()
                    .setStatusCode(status)
                    .putHeader(RequestLimits.REQUEST_ID, RequestLimits.requestId(ctx.request().proxiedRequest()))
                    .putHeader("content-type", "application/json")
                    .setBody(Body.body(ErrorBody.of(table.errorFieldsFor(path), code, message)));
        }
    }
}
