package dev.warden.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.List;
import java.util.Optional;

/**
 * The request size limits of every service, each refused in the one error shape by the router's first handler,
 * before anything reads the request: a URI longer than {@code warden.http.limits.max-uri-length} is a 414, header
 * lines over {@code warden.http.limits.max-header-size} in all a 431, a body declared larger than
 * {@code quarkus.http.limits.max-body-size} a 413. A body with no declared length (chunked) is read by Vert.x' body
 * handler up to that limit before the resource sees it, and one that grows past it is a 413 in the shape too: left
 * to Quarkus REST it would be cut off with an empty 413. Bodies with a declared length still stream to the resource.
 * Quarkus' own refusals have empty bodies and no hook, so its decoder limits are set well above these
 * ({@code META-INF/microprofile-config.properties}); only a request past those gets its empty answer.
 */
@ApplicationScoped
public class RequestLimits {

    @ConfigMapping(prefix = "warden.http.limits")
    public interface Limits {
        /** Characters of the request URI: path and query string. */
        int maxUriLength();

        /**
         * Paths under this prefix answer these refusals in a seed's envelope, {@code {"ok": false, "error": ...}}, as
         * the rest of their errors are (fleet-service: {@code /v1/fleet}, seed 003).
         */
        Optional<String> okEnvelopePrefix();

        /** Bytes of all header lines: each name, ": ", value and CRLF. */
        MemorySize maxHeaderSize();
    }

    private static final long LINGER_MILLIS = 5_000;

    private final long maxBody;
    private final int maxUri;
    private final String okEnvelopePrefix;
    private final long maxHeaders;

    public RequestLimits(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBody, Limits limits) {
        this.maxBody = maxBody.asLongValue();
        this.maxUri = limits.maxUriLength();
        this.okEnvelopePrefix = limits.okEnvelopePrefix().orElse(null);
        this.maxHeaders = limits.maxHeaderSize().asLongValue();
    }

    void install(@Observes Router router) {
        String uriTooLong = json("uri_too_long", "The request URI may be at most " + maxUri + " characters");
        String headersTooLarge = json("headers_too_large", "The request headers may be at most " + maxHeaders + " bytes");
        String bodyTooLarge = json("payload_too_large", "The request body may be at most " + maxBody + " bytes");
        BodyHandler chunkedBody = BodyHandler.create(false).setBodyLimit(maxBody);
        String dotSegment = json("bad_request", "A path may not hold a \".\" or \"..\" segment");
        String matrix = json("bad_request", "A path may not hold matrix parameters (\";\"): send parameters in the query");
        String querySemicolon = json("bad_request", "A query may not hold \";\", which would separate its parameters as "
                + "\"&\" does: send a \";\" in a value as %3B, and separate parameters with \"&\"");
        // Second of every route: after the request id (warden-observability's RequestLogContext), so refusals carry it
        router.route().order(Integer.MIN_VALUE + 1).handler(ctx -> {
            HttpServerRequest request = ctx.request();
            if (request.uri().length() > maxUri) {
                refuse(ctx, 414, uriTooLong);
            } else if (request.path() != null && request.path().indexOf(';') >= 0) {
                // The router drops a segment's matrix parameters before it matches, and no resource reads them: a
                // DELETE of /v1/policies/{id};dryrun=true deleted, a list's ;status=offline listed every status. No API
                // path has one (an id with ";" in it is sent as %3B).
                refuse(ctx, 400, matrix);
            } else if (request.query() != null && request.query().indexOf(';') >= 0) {
                // The query's decoder splits parameters at ";" too (HTML 4's advice): ?agent_id=X;limit=1 was two
                // parameters here and one to every proxy and filter in front that reads the query as RFC 3986 does.
                refuse(ctx, 400, querySemicolon);
            } else if (hasDotSegment(request.path())) {
                // The router resolves them before it matches (/v1/agents/../../q/metrics is /q/metrics): a gateway
                // that routed the path as it came would reach what it does not route. No API path has one.
                refuse(ctx, 400, dotSegment);
            } else if (headerBytes(request) > maxHeaders) {
                refuse(ctx, 431, headersTooLarge);
            } else if (declaredBody(request) > maxBody) {
                refuse(ctx, 413, bodyTooLarge);
            } else if (isChunked(request)) {
                chunkedBody.handle(ctx); // reads it all, or fails the route with 413 past the limit
            } else {
                ctx.next();
            }
        }).failureHandler(ctx -> {
            if (ctx.statusCode() == 413 && !ctx.response().ended()) {
                refuse(ctx, 413, bodyTooLarge);
            } else {
                ctx.next();
            }
        });
    }

    /**
     * Answers at once; on HTTP/1 the connection closes once the client has sent the rest of its request, or after
     * {@link #LINGER_MILLIS} if it goes on (a closed socket with unread data resets, and the client may never see
     * the answer).
     */
    private void refuse(RoutingContext ctx, int status, String body) {
        String path = ctx.request().path();
        String answer = okEnvelopePrefix != null && path != null && path.startsWith(okEnvelopePrefix)
                ? "{\"ok\":false," + body.substring(1) : body;
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close").end(answer)
                .onComplete(sent -> {
                    if (ctx.request().version() != HttpVersion.HTTP_2) {
                        ctx.vertx().setTimer(LINGER_MILLIS, timer -> ctx.request().connection().close());
                    }
                });
    }

    /**
     * Whether a raw path holds a {@code .} or {@code ..} segment, plain or percent-encoded (one with matrix parameters,
     * {@code ..;x}, is refused before for its {@code ;}).
     */
    static boolean hasDotSegment(String path) {
        if (path == null || path.indexOf('.') < 0 && path.indexOf('%') < 0) {
            return false; // the usual path, decided without splitting it
        }
        for (String segment : path.split("/", -1)) {
            String name = segment.replace("%2e", ".").replace("%2E", ".");
            if (name.equals(".") || name.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private static long headerBytes(HttpServerRequest request) {
        long total = 0;
        for (var header : request.headers()) {
            total += header.getKey().length() + header.getValue().length() + 4;
        }
        return total;
    }

    private static boolean isChunked(HttpServerRequest request) {
        String encoding = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
        return encoding != null && encoding.toLowerCase(java.util.Locale.ROOT).contains("chunked");
    }

    private static long declaredBody(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        try {
            return length == null ? 0 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String json(String code, String message) {
        try {
            return new ObjectMapper().writeValueAsString(ErrorResponse.of(code, message, List.of()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
