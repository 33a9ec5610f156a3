package dev.warden.launcher.gateway;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The gateway's deliberate request limits, the same as every service's (warden-api's {@code RequestLimits} and its
 * {@code META-INF/microprofile-config.properties}; the gateway does not depend on warden-api, so the numbers are
 * repeated here): a URI of at most {@link #MAX_URI} characters, header lines of at most {@link #MAX_HEADERS} bytes in
 * all, a body of at most {@link #MAX_BODY} bytes (declared, or counted as it comes when chunked). Each refusal is a 414, 431 or 413 in the error shape, sent
 * before the request reaches a service. The HTTP decoder's own limits are set well above these; a request beyond
 * even those is answered in the same shape by {@link #invalid}.
 */
final class RequestLimits implements Handler<HttpServerRequest> {

    static final int MAX_URI = 4096;
    static final int MAX_HEADERS = 16 * 1024;
    static final long MAX_BODY = 1024 * 1024;
    private static final int DECODER_LIMIT = 64 * 1024;
    /** How long what a refused client still sends is read and dropped, so that it sees the answer, not a reset. */
    private static final long LINGER_MILLIS = 5_000;

    private final Vertx vertx;
    private final Handler<HttpServerRequest> next;
    private final RoutingTable table;

    RequestLimits(Vertx vertx, Handler<HttpServerRequest> next, RoutingTable table) {
        this.table = table;
        this.vertx = vertx;
        this.next = next;
    }

    /**
     * The decoder's limits, above the deliberate ones. HTTP/1.1 only: a client asking to upgrade to cleartext HTTP/2
     * (Java's HttpClient does by default) carries on in HTTP/1.1, whose limits these are, as the services behind do.
     */
    static HttpServerOptions decoderLimits(HttpServerOptions options) {
        return options.setMaxInitialLineLength(DECODER_LIMIT).setMaxHeaderSize(DECODER_LIMIT)
                .setHttp2ClearTextEnabled(false);
    }

    /** The header that names a request in the services' logs and answers (warden-observability's RequestLogContext). */
    static final String REQUEST_ID = "X-Request-Id";
    /** The ids the services take from a caller, as they check them; the gateway does not depend on their libraries. */
    private static final Pattern SENSIBLE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    /**
     * The request's id: the caller's when the services would take it, else a new one, set on the request so that the
     * service it goes to logs and echoes the same; the gateway's own answers carry it too.
     */
    static String requestId(HttpServerRequest request) {
        String given = request.getHeader(REQUEST_ID);
        if (given != null && SENSIBLE_ID.matcher(given).matches()) {
            return given;
        }
        String id = UUID.randomUUID().toString();
        request.headers().set(REQUEST_ID, id);
        return id;
    }

    @Override
    public void handle(HttpServerRequest request) {
        requestId(request);
        if (request.uri().length() > MAX_URI) {
            uriTooLong(request);
        } else if (headerBytes(request) > MAX_HEADERS) {
            headersTooLarge(request);
        } else if (declaredBody(request) > MAX_BODY) {
            refuse(request, 413, "payload_too_large", bodyTooLargeMessage());
        } else {
            next.handle(request);
        }
    }

    /** Whether the request carries a body whose length it does not declare (chunked). */
    static boolean unknownLength(HttpServerRequest request) {
        return request.getHeader(HttpHeaders.CONTENT_LENGTH) == null
                && request.headers().contains(HttpHeaders.TRANSFER_ENCODING, HttpHeaders.CHUNKED, true);
    }

    /**
     * Reads a body into memory, up to {@link #MAX_BODY} bytes (a declared length is refused past that before): the
     * gateway has a body whole before the request takes a connection to the service. Past the limit, which only a body
     * of unknown length can reach, it fails with {@link BodyTooLarge}, and drops the rest as it comes. Fails too,
     * dropping the rest, once {@code stalled} completes (the body stopped coming, or came too slowly), and with
     * {@link BodyBudget.Full} once the bodies the gateway holds would pass its budget ({@code held} counts this one's).
     */
    static Future<Buffer> readBody(HttpServerRequest request, Future<Void> stalled, BodyBudget.Held held) {
        Promise<Buffer> read = Promise.promise();
        Buffer body = Buffer.buffer();
        stalled.onSuccess(v -> {
            request.handler(null);
            read.tryFail("the request body stopped coming");
        });
        request.handler(chunk -> {
            if (body.length() + chunk.length() > MAX_BODY) {
                request.handler(null);
                read.tryFail(new BodyTooLarge());
            } else if (!held.add(chunk.length())) {
                request.handler(null);
                read.tryFail(new BodyBudget.Full());
            } else {
                body.appendBuffer(chunk);
            }
        });
        request.exceptionHandler(read::tryFail);
        request.endHandler(end -> read.tryComplete(body));
        request.resume();
        return read.future();
    }

    static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super(bodyTooLargeMessage(), null, false, false);
        }
    }

    static String bodyTooLargeMessage() {
        return "The request body may be at most " + MAX_BODY + " bytes";
    }

    /**
     * What the HTTP decoder could not read at all (past its own limits, or malformed) or refused (ambiguous framing,
     * {@link RequestFraming}), in the error shape. Vert.x closes the connection once this answer is written.
     */
    void invalid(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof RequestFraming.Refused refused) {
            refuse(request, refused.status(), refused.code(), cause.getMessage());
        } else if (cause instanceof TooLongHttpLineException) {
            uriTooLong(request);
        } else if (cause instanceof TooLongHttpHeaderException) {
            headersTooLarge(request);
        } else {
            refuse(request, 400, "bad_request", "The request is not valid HTTP");
        }
    }

    private void uriTooLong(HttpServerRequest request) {
        refuse(request, 414, "uri_too_long", "The request URI may be at most " + MAX_URI + " characters");
    }

    private void headersTooLarge(HttpServerRequest request) {
        refuse(request, 431, "headers_too_large", "The request headers may be at most " + MAX_HEADERS + " bytes");
    }

    /**
     * Answers at once and closes the connection once the client has sent the rest of its request, or after
     * {@link #LINGER_MILLIS} if it goes on (a closed socket with unread data resets, and the client may never see
     * the answer).
     */
    private void refuse(HttpServerRequest request, int status, String code, String message) {
        request.response().setStatusCode(status)
                .putHeader(REQUEST_ID, requestId(request))
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(ErrorBody.of(table.errorFieldsFor(pathOf(request)), code, message))
                .onComplete(sent -> vertx.setTimer(LINGER_MILLIS, timer -> request.connection().close()));
    }

    /** The path, or null for a request line the decoder could not read. */
    private static String pathOf(HttpServerRequest request) {
        try {
            return request.path();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Each header line as sent: name, ": ", value, CRLF. */
    private static long headerBytes(HttpServerRequest request) {
        long total = 0;
        for (var header : request.headers()) {
            total += header.getKey().length() + header.getValue().length() + 4;
        }
        return total;
    }

    static long declaredBody(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        try {
            return length == null ? 0 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return 0; // the decoder refuses a malformed length itself
        }
    }
}
