package dev.warden.outbox;

import dev.warden.api.UnavailableException;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutageRetryTest {

    @Test
    void anOutageIsWaitedOutAndTheWorkDoneOnce() {
        AtomicInteger attempts = new AtomicInteger();
        List<Throwable> heard = new ArrayList<>();
        Uni<String> work = Uni.createFrom().item(() -> {
            if (attempts.incrementAndGet() < 3) {
                throw new UnavailableException("database", null);
            }
            return "recorded";
        });

        assertEquals("recorded", OutageRetry.untilTheDatabaseAnswers(work, null, heard::add).await().atMost(Duration.ofSeconds(30)));
        assertEquals(3, attempts.get());
        assertEquals(2, heard.size());
    }

    @Test
    void aFailureOfTheWorkItselfIsNotTriedAgain() {
        AtomicInteger attempts = new AtomicInteger();
        Uni<String> work = Uni.createFrom().item(() -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("a NOT NULL violation, say");
        });

        assertThrows(IllegalStateException.class, () -> OutageRetry.untilTheDatabaseAnswers(work, null, e -> { })
                .await().atMost(Duration.ofSeconds(30)));
        assertEquals(1, attempts.get());
    }

    @Test
    void anOutageLongerThanTheWorkWaitsFailsIt() {
        AtomicInteger attempts = new AtomicInteger();
        Uni<String> work = Uni.createFrom().item(() -> {
            attempts.incrementAndGet();
            throw new UnavailableException("database", null);
        });

        assertThrows(RuntimeException.class, () -> OutageRetry.untilTheDatabaseAnswers(work, Duration.ofSeconds(2), e -> { })
                .await().atMost(Duration.ofSeconds(30)));
        assertTrue(attempts.get() >= 2, "tried again before giving up: " + attempts.get());
    }
}
