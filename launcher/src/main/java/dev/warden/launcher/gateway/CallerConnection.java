package dev.warden.launcher.gateway;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What one caller's connection may hold of the launcher: time without a request, and requests and answers it does not
 * take. A Netty handler put between Vert.x' HTTP codecs and its connection handler ({@link RequestFraming#guard}),
 * where it sees each decoded request head come in and each answer's last part go out.
 * <ul>
 * <li>A connection without a request in progress is closed after the head timeout: from its opening, or from the end
 * of its last answer, its next request's head must be in (nginx's {@code client_header_timeout} and
 * {@code keepalive_timeout}). A user trial's 19,900 connections that each sent half a request head were kept for good,
 * took every file descriptor the launcher had, and then no request was answered. Once a head is in, the request is on
 * its own clocks: its body's ({@code Gateway.watchBody}) and none for its answer, which may be quiet as long as it likes
 * (the event streams).</li>
 * <li>A connection with more than {@value #MOST_IN_FLIGHT} requests unanswered is closed: Netty decodes every request
 * head a read brings at once (thousands in 64 KB of pipelined {@code GET}s) and Vert.x queues each until the one before
 * it is answered, so a user trial's few connections of tens of thousands of pipelined requests, their answers unread,
 * ran the launcher's heap out, and the supervisor's HTTP client with it. A client that pipelines seldom sends more
 * than a few ahead. Nor may a connection leave more than {@link #MOST_UNREAD_BYTES} of answers unread: the gateway's
 * own answers (a 404 for each of thousands of pipelined requests of no route) are written whether the caller reads
 * them or not.</li>
 * </ul>
 */
final class CallerConnection extends ChannelDuplexHandler {

    static final String NAME = "wardenCallerConnection";
    /** nginx's {@code client_header_timeout} default, and below its {@code keepalive_timeout}'s 75 s. */
    static final Duration DEFAULT_HEAD_TIMEOUT = Duration.ofSeconds(60);
    /** Requests of one connection in flight at once. */
    static final int MOST_IN_FLIGHT = 64;
    /**
     * Answer bytes waiting for a caller to read them, beyond the channel's high-water mark: what is proxied from a
     * service stops at the mark (the proxy's pipe waits for the caller), so only answers the gateway writes itself
     * (its refusals, one per pipelined request) can pile up past it.
     */
    static final long MOST_UNREAD_BYTES = 256 * 1024;

    private final long millis;
    /** Request heads in whose answers have not ended. */
    private int open;
    private ScheduledFuture<?> timer;
    /** Closed for too many requests in flight: what else was read is dropped. */
    private boolean closing;

    CallerConnection(Duration headTimeout) {
        this.millis = headTimeout.toMillis();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        arm(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest) {
            open++;
            disarm();
            if (open > MOST_IN_FLIGHT) {
                closing = true;
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        // An interim answer (100 Continue, a whole message of its own) ends no request
        boolean interim = msg instanceof HttpResponse response
                && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        boolean ended = msg instanceof LastHttpContent && !interim && open > 0 && --open == 0;
        super.write(ctx, msg, promise);
        if (ended) {
            arm(ctx);
        }
        if (!closing && ctx.channel().bytesBeforeWritable() > MOST_UNREAD_BYTES) {
            // Answers its caller does not take: the gateway's own answers are written whether it reads or not
            closing = true;
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        if (millis > 0) {
            timer = ctx.executor().schedule(() -> {
                if (open == 0) {
                    ctx.close();
                }
            }, millis, TimeUnit.MILLISECONDS);
        }
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
