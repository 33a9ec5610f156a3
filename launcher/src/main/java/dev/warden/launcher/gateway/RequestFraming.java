package dev.warden.launcher.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.List;

/**
 * Refuses a request whose body length another HTTP/1.1 parser could read differently (request smuggling): one that
 * carries both {@code Content-Length} and {@code Transfer-Encoding} (RFC 9112 §6.1: a server may reject it, and must
 * close the connection after answering it), and one whose {@code Transfer-Encoding} is anything but a single
 * lower-case {@code chunked}: a list ({@code chunked, identity}, {@code gzip, chunked}), another coding ({@code gzip},
 * {@code xchunked}, {@code chunked;x=1}), the header twice, {@code Chunked}, or any {@code Transfer-Encoding} on
 * HTTP/1.0 (RFC 9112 §6.1: its framing is to be taken as faulty). A front proxy that took the length from the other
 * header, or from another reading of the list, would see a different request end, and what the gateway read as the
 * body, or as a next request on the connection, would be something else to it.
 * <p>
 * Netty's decoder would strip the {@code Content-Length} and read the body as chunked, and read the other codings
 * its own way, before Vert.x or the gateway's handlers see the request. So the check is in the decoder: {@link #guard}
 * replaces Vert.x's HTTP/1.x request decoder of each new connection by {@link Decoder}, which marks such a request's
 * {@code DecoderResult} as failed with {@link Refused} and drops everything the connection sends after its head. Vert.x
 * hands a request that failed decoding to the server's {@code invalidRequestHandler} ({@link RequestLimits#invalid}: a
 * 400 {@code bad_request} in the error shape) and closes the connection once that answer is written.
 * <p>
 * This relies on Vert.x 4 internals (checked against 4.5.25): the connection handler is called on the event loop while
 * the channel is initialised, before anything is read ({@code HttpServerWorker}, {@code HttpServerConnectionHandler});
 * the connection is a {@link ConnectionBase} whose {@code channelHandlerContext()} gives the pipeline; the decoder is
 * the pipeline's {@value #DECODER} handler, a {@link VertxHttpRequestDecoder}; and a request whose decoder result failed
 * goes to the invalid request handler, its connection closed after the answer ({@code Http1xServerConnection}). If the
 * decoder is not where it is expected, the connection is closed unserved rather than left unguarded, and
 * {@code GatewayRequestSmugglingTest} fails: an upgrade that moves any of this fails the build.
 */
final class RequestFraming {

    /** The name of Vert.x's HTTP/1.x request decoder in the channel pipeline ({@code HttpServerWorker}). */
    static final String DECODER = "httpDecoder";
    /** Its HTTP/1.x response encoder, after the decoder ({@code HttpServerWorker}). */
    static final String ENCODER = "httpEncoder";

    static final String BOTH = "A request may not carry both Content-Length and Transfer-Encoding";
    static final String ONLY_CHUNKED = "Transfer-Encoding may only be \"chunked\", given once";
    static final String ONLY_HTTP_1_1 = "Transfer-Encoding is accepted on HTTP/1.1 requests only";
    static final String UNKNOWN_VERSION = "Only HTTP/1.1 and HTTP/1.0 are served";
    static final String BAD_CHUNK = "The request body's chunked framing is not valid (a chunk size that is no hexadecimal "
            + "number, or a chunk longer than it said)";

    private RequestFraming() {
    }

    /**
     * The server's connection handler: puts a {@link Decoder} with the server's {@code options} in place of Vert.x's
     * decoder, before the connection's first request is read.
     */
    static Handler<HttpConnection> guard(HttpServerOptions options, RoutingTable table, java.time.Duration headTimeout) {
        return connection -> install(connection, options, table, headTimeout);
    }

    private static void install(HttpConnection connection, HttpServerOptions options, RoutingTable table,
                                java.time.Duration headTimeout) {
        ChannelPipeline pipeline = connection instanceof ConnectionBase base
                ? base.channelHandlerContext().pipeline() : null;
        ChannelHandler decoder = pipeline == null ? null : pipeline.get(DECODER);
        if (decoder == null || decoder.getClass() != VertxHttpRequestDecoder.class) {
            // Unguarded, it would pass what this class refuses: no connection is served rather than that.
            connection.close();
            throw new IllegalStateException("the gateway cannot check request framing: no Vert.x HTTP/1.x decoder named "
                    + DECODER + " in the connection's pipeline (" + connection.getClass().getName()
                    + "); has the Vert.x version changed?");
        }
        pipeline.replace(DECODER, DECODER, new Decoder(options, table));
        // Between the codecs and Vert.x' connection handler: decoded heads in, answers' parts out (CallerConnection)
        if (pipeline.get(ENCODER) == null) {
            connection.close();
            throw new IllegalStateException("the gateway cannot time request heads out: no HTTP/1.x encoder named "
                    + ENCODER + " in the connection's pipeline; has the Vert.x version changed?");
        }
        pipeline.addAfter(ENCODER, CallerConnection.NAME, new CallerConnection(headTimeout));
    }

    /**
     * Why a request's framing is refused, or null if it is not. One header lookup for a request without
     * {@code Transfer-Encoding}. (The decoder has already refused a {@code Content-Length} beside a chunked
     * {@code Transfer-Encoding} on HTTP/1.1, in {@link Decoder#handleTransferEncodingChunkedWithContentLength}.)
     */
    static String problem(HttpRequest request) {
        if (!HttpVersion.HTTP_1_1.equals(request.protocolVersion()) && !HttpVersion.HTTP_1_0.equals(request.protocolVersion())) {
            return UNKNOWN_VERSION; // Vert.x answered an empty 501
        }
        HttpHeaders headers = request.headers();
        String encoding = headers.get(HttpHeaderNames.TRANSFER_ENCODING);
        if (encoding == null) {
            return null;
        }
        if (headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            return BOTH;
        }
        if (!HttpVersion.HTTP_1_1.equals(request.protocolVersion())) {
            return ONLY_HTTP_1_1;
        }
        if (headers.getAll(HttpHeaderNames.TRANSFER_ENCODING).size() != 1 || !isChunked(encoding)) {
            return ONLY_CHUNKED;
        }
        return null;
    }

    /**
     * Exactly {@code chunked}, with nothing around it but spaces and tabs (RFC 9110's OWS; the decoder trims them
     * already). Lower case only, though RFC 9112 lets the name be in any case: the proxy behind the check
     * (vertx-http-proxy's {@code ReverseProxy}) takes nothing else, and answered {@code Chunked} with a bare 400 that
     * was not in the error shape and kept the connection.
     */
    private static boolean isChunked(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
            end--;
        }
        return end - start == 7 && value.startsWith("chunked", start);
    }

    /** The cause of a refused request's failed decoder result; its message is the answer's. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }

        /** 505 for a version the gateway does not speak, else 400. */
        int status() {
            return UNKNOWN_VERSION.equals(getMessage()) ? 505 : 400;
        }

        String code() {
            return status() == 505 ? "http_version_not_supported" : "bad_request";
        }
    }

    /**
     * Vert.x's request decoder (a Vert.x internal class, see above), refusing what {@link #problem} names. Once it
     * refuses a request it reads nothing more of the connection: its body, and whatever follows, are dropped, as
     * Netty's decoder drops the rest of a connection after a request it could not read.
     */
    static final class Decoder extends VertxHttpRequestDecoder {

        private final RoutingTable table;
        private boolean refused;
        /** The path of the connection's last request head, for the error fields of an answer to its body. */
        private String path;

        Decoder(HttpServerOptions options, RoutingTable table) {
            super(options);
            this.table = table;
        }

        /**
         * Netty's hook for a chunked HTTP/1.1 message that also carries {@code Content-Length}: by default it drops the
         * {@code Content-Length}; thrown, the exception makes the message invalid, and Netty drops the rest of the
         * connection (its documented use).
         */
        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            throw new Refused(BOTH);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (refused) {
                buffer.skipBytes(buffer.readableBytes());
                return;
            }
            int from = out.size();
            super.decode(ctx, buffer, out);
            for (int i = from; i < out.size(); i++) {
                if (out.get(i) instanceof HttpContent content && !(content instanceof HttpRequest)
                        && content.decoderResult().isFailure()) {
                    badBody(ctx, buffer, out, from, i);
                    return;
                }
                if (out.get(i) instanceof HttpRequest request && request.decoderResult().isSuccess()) {
                    path = pathOf(request.uri());
                    String problem = problem(request);
                    if (problem != null) {
                        if (UNKNOWN_VERSION.equals(problem)) {
                            // The answer goes out in the request's version: in one the gateway speaks, not the echo
                            request.setProtocolVersion(HttpVersion.HTTP_1_1);
                        }
                        request.setDecoderResult(DecoderResult.failure(new Refused(problem)));
                        for (int j = out.size() - 1; j > i; j--) {
                            ReferenceCountUtil.release(out.remove(j));
                        }
                        buffer.skipBytes(buffer.readableBytes());
                        refused = true;
                        return;
                    }
                }
            }
        }

        /**
         * A body Netty could not read (a bad chunk size): Vert.x would close the connection without a word. With its
         * head in this read, the head is failed instead (the invalid request handler's 400, then the close); with the
         * head already handed on (the gateway is still reading the body, so nothing was answered or proxied yet), the
         * 400 is written here, and the connection closed. Either way nothing more of the connection is read.
         */
        private void badBody(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out, int from, int failed) {
            int head = -1;
            for (int j = failed - 1; j >= from; j--) {
                if (out.get(j) instanceof HttpRequest) {
                    head = j;
                    break;
                }
            }
            for (int j = out.size() - 1; j > Math.max(head, from - 1); j--) {
                ReferenceCountUtil.release(out.remove(j));
            }
            buffer.skipBytes(buffer.readableBytes());
            refused = true;
            if (head >= 0) {
                ((HttpRequest) out.get(head)).setDecoderResult(DecoderResult.failure(new Refused(BAD_CHUNK)));
                return;
            }
            byte[] body = ErrorBody.of(table.errorFieldsFor(path), "bad_request", BAD_CHUNK).getBytes();
            FullHttpResponse answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                    Unpooled.wrappedBuffer(body));
            answer.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .set(HttpHeaderNames.CONTENT_LENGTH, body.length).set(HttpHeaderNames.CONNECTION, "close");
            ctx.channel().writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
        }

        private static String pathOf(String uri) {
            int query = uri.indexOf('?');
            return query < 0 ? uri : uri.substring(0, query);
        }

        @Override
        protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (refused) {
                in.skipBytes(in.readableBytes());
                return;
            }
            super.decodeLast(ctx, in, out);
        }
    }
}
