package dev.warden.bench.common;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load: request {@code i} is due at {@code start + i / rate}, sent then whatever earlier requests are
 * still waiting for, and its latency runs from when it was due to when its whole body has arrived. A server that falls
 * behind therefore shows in the latencies instead of slowing the load down (no coordinated omission), which wrk's
 * closed loop cannot do. HTTP/1.1, one connection per request in flight (the JDK client's pool).
 */
public final class FixedRateLoad {

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
        ExecutorService executor = Executors.newFixedThreadPool(2);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor).build();
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        headers.forEach(builder::header);
        HttpRequest request = builder.build();
        long interval = (long) (1e9 / rate);
        long skip = warmup.toNanos() / interval;
        int measured = (int) (duration.toNanos() / interval);
        long[] latencies = new long[measured];
        AtomicInteger answered = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        for (long i = 0; i < skip + measured; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int slot = (int) (i - skip);
            client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
                if (slot < 0) {
                    return;
                }
                if (failure != null || response.statusCode() != 200) {
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
        int done = answered.get();
        client.shutdownNow();
        executor.shutdownNow();
        long[] complete = new long[done];
        for (int i = 0, j = 0; i < measured && j < done; i++) {
            if (latencies[i] > 0) {
                complete[j++] = latencies[i];
            }
        }
        return new Result(rate, Latencies.of(complete, complete.length), errors.get(), measured - done);
    }
}
