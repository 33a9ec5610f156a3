package dev.warden.launcher.stack;

import dev.warden.launcher.Progress;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The supervisor's periodic checks outlive what one of them throws. */
class SupervisorTest {

    /**
     * A periodic task that throws is never run again: a user trial's flood of the gateway ran the launcher's heap out
     * in a liveness check, and no service was checked or restarted after, the heap free again within seconds.
     */
    @Test
    void aStartPastItsExpectedTimeAsksClientsForFiveSecondsNotOne() {
        long second = Duration.ofSeconds(1).toNanos();
        assertEquals(Duration.ofSeconds(7), Supervisor.untilReady(10 * second, 3 * second));
        assertEquals(Duration.ofSeconds(1), Supervisor.untilReady(10 * second, 10 * second - second / 10),
                "at least a second");
        assertEquals(Supervisor.OVERDUE, Supervisor.untilReady(10 * second, 10 * second));
        assertEquals(Duration.ofSeconds(5), Supervisor.untilReady(10 * second, 50 * second), "overdue: a dependency's wait");
    }

    @Test
    void aLivenessCheckThatThrowsAnErrorLeavesTheNextOnesToRun() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Supervisor supervisor = new Supervisor(new Progress(new PrintStream(out, true, StandardCharsets.UTF_8), 1),
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(5));
        AtomicInteger runs = new AtomicInteger();
        supervisor.surviving("agent-service", () -> {
            runs.incrementAndGet();
            throw new OutOfMemoryError("Java heap space");
        });
        supervisor.surviving("agent-service", runs::incrementAndGet);
        assertEquals(2, runs.get());
        String said = out.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("agent-service's liveness check failed (java.lang.OutOfMemoryError: Java heap space)"), said);
        supervisor.stopAll();
    }
}
