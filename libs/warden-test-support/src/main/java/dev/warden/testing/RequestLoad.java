package dev.warden.testing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Clients sending requests back to back while a test takes a dependency away and brings it back, counting the answers
 * by status: what every request in flight, or arriving, during an outage is answered.
 */
public final class RequestLoad implements AutoCloseable {

    /** Counted for a request that got no HTTP answer at all (the connection failed), so a test sees it. */
    public static final int NO_ANSWER = 0;

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService clients;

    /** One client per request: each sends it again as soon as it is answered, and reports the status. */
    public RequestLoad(List<IntSupplier> requests) {
        clients = Executors.newFixedThreadPool(requests.size());
        for (IntSupplier request : requests) {
            clients.submit(() -> {
                while (!stop.get()) {
                    int status;
                    try {
                        status = request.getAsInt();
                    } catch (RuntimeException noAnswer) {
                        status = NO_ANSWER;
                    }
                    count(status).incrementAndGet();
                }
                return null;
            });
        }
    }

    /** Waits until twenty more answers of this status have come. */
    public void awaitMore(int status) {
        int before = count(status).get();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (count(status).get() < before + 20) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not twenty more " + status + " answers within " + WAIT + ": " + answers);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    public int answered(int status) {
        return count(status).get();
    }

    /** The statuses answered so far. */
    public Set<Integer> statuses() {
        return answers.entrySet().stream().filter(e -> e.getValue().get() > 0).map(Map.Entry::getKey)
                .collect(java.util.stream.Collectors.toSet());
    }

    /** Stops the clients, letting each finish the request it is waiting for. */
    @Override
    public void close() {
        stop.set(true);
        clients.shutdown();
        try {
            if (!clients.awaitTermination(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("clients still waiting for answers after 60 s: " + answers);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return answers.toString();
    }

    private AtomicInteger count(int status) {
        return answers.computeIfAbsent(status, s -> new AtomicInteger());
    }
}
