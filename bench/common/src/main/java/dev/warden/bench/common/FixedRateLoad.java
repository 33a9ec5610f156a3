package dev.warden.bench.common;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load: request {@code i} is due at {@code start + i / rate}, handed to the client then whatever earlier
 * requests are still waiting for, and its latency runs from when it was due to when its whole body has arrived. A
 * server that falls behind therefore shows in the latencies instead of slowing the load down (no coordinated
 * omission), which wrk's closed loop cannot do. HTTP/1.1 on up to {@link #CONNECTIONS} kept-alive connections (Vert.x's
 * client on Netty, as wrk2 keeps a fixed set of connections); a request due while all are busy waits for one, and that
 * wait counts in its latency.
 * <p>
 * The first version used the JDK's {@code HttpClient}, a connection per request in flight: at 5,000 answers of 395 KB a
 * second it fell behind on its own (most requests unanswered within 30 s) while the server kept up, so the figure was
 * the client's.
 */
public final class FixedRateLoad {

    /** Connections at most, as wrk's {@code -c} in the closed-loop runs of the same benchmark is 16. */
    public static final int CONNECTIONS = 64;

    /** Requests due during the measured part, their latencies, and the answers other than 200 or failures. */
    public record Result(double rate, Latencies latencies, long errors, long late) {
        public String describe() {
            return String.format("%,.0f requests/s  %s  errors %d%s", rate, latencies.describe(), errors,
                    late == 0 ? "" : String.format("  (%d not answered in time)", late));
        }
    }

    private FixedRateLoad() {
    }

    /** Loads {@code uri} at {@code rate} requests/s for {@code warmup} (not measured) then {@code duration}. */
    public static Result run(URI uri, Map<String, String> headers, double rate, Duration warmup, Duration duration)
            throws InterruptedException {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(CONNECTIONS));
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(uri.toString())
                .setTimeout(TimeUnit.SECONDS.toMillis(30));
        headers.forEach(request::addHeader);
        long interval = (long) (1e9 / rate);
        long skip = warmup.toNanos() / interval;
        int measured = (int) (duration.toNanos() / interval);
        long[] latencies = new long[measured];
        AtomicInteger answered = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        try {
            for (long i = 0; i < skip + measured; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                int slot = (int) (i - skip);
                client.request(request)
                        .compose(sent -> sent.send())
                        .compose(response -> response.end().map(response.statusCode()))
                        .onComplete(outcome -> {
                            if (slot < 0) {
                                return;
                            }
                            if (outcome.failed() || outcome.result() != 200) {
                                errors.incrementAndGet();
                            }
                            latencies[slot] = System.nanoTime() - due;
                            answered.incrementAndGet();
                        });
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (answered.get() < measured && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
        int done = answered.get();
        long[] complete = new long[done];
        for (int i = 0, j = 0; i < measured && j < done; i++) {
            if (latencies[i] > 0) {
                complete[j++] = latencies[i];
            }
        }
        return new Result(rate, Latencies.of(complete, complete.length), errors.get(), measured - done);
    }
}
