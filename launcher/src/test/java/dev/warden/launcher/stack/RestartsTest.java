package dev.warden.launcher.stack;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A server the launcher supervises (PostgreSQL, Kafka, Podman's API) is started again until it starts. */
class RestartsTest {

    private final List<String> said = new CopyOnWriteArrayList<>();

    @Test
    void aServerThatFailsToStartAgainIsTriedAgainWithABackoffUntilItStarts() {
        AtomicInteger attempts = new AtomicInteger();
        assertTrue(Stack.untilStarted("Podman's API", () -> {
            if (attempts.incrementAndGet() < 3) {
                throw new IllegalStateException("exited with 137");
            }
        }, Duration.ofMillis(10), Duration.ofMillis(15), () -> false, said::add));

        assertEquals(3, attempts.get());
        assertEquals(List.of("Podman's API did not start again (exited with 137); trying again in 0.0 s (attempt 2)",
                "Podman's API did not start again (exited with 137); trying again in 0.0 s (attempt 3)"), said);
    }

    @Test
    void aStopEndsTheAttempts() {
        AtomicInteger attempts = new AtomicInteger();
        assertFalse(Stack.untilStarted("PostgreSQL", () -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("port taken");
        }, Duration.ofMillis(10), Duration.ofMillis(10), () -> attempts.get() >= 2, said::add));
        assertEquals(2, attempts.get());
    }
}
