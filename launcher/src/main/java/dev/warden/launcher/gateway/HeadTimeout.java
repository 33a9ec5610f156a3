package dev.warden.launcher.gateway;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that holds no request in progress for longer than the timeout: from its opening, or from the
 * end of its last answer, its next request's head must be in within it (nginx's {@code client_header_timeout} and
 * {@code keepalive_timeout}, Apache's {@code mod_reqtimeout} header rule). A user trial's 19,900 connections that each
 * sent half a request head and nothing more were kept for good, took every file descriptor the launcher had, and then
 * no request was answered. Once a head is in, the request is on its own clocks: its body's
 * ({@code Gateway.watchBody}) and none for its answer, which may be quiet as long as it likes (the event streams).
 * <p>
 * A Netty handler put between Vert.x' HTTP codecs and its connection handler ({@link RequestFraming#guard}), where it
 * sees each decoded request head come in and each answer's last part go out.
 */
final class HeadTimeout extends ChannelDuplexHandler {

    static final String NAME = "wardenHeadTimeout";
    /** nginx's {@code client_header_timeout} default, and below its {@code keepalive_timeout}'s 75 s. */
    static final Duration DEFAULT = Duration.ofSeconds(60);

    private final long millis;
    /** Request heads in whose answers have not ended (more than one only when a client pipelines). */
    private int open;
    private ScheduledFuture<?> timer;

    HeadTimeout(Duration timeout) {
        this.millis = timeout.toMillis();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        arm(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            open++;
            disarm();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof LastHttpContent && open > 0 && --open == 0) {
            arm(ctx);
        }
        super.write(ctx, msg, promise);
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
