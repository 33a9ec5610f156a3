package dev.warden.launcher.stack;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartedPartsTest {

    private final List<String> stopped = new CopyOnWriteArrayList<>();
    private final StartedParts parts = new StartedParts(part -> stopped.add(part.name() + ": " + part.stopper().get()));

    /**
     * A part that finishes starting while the stop is under way (a service started as {@code bin/warden down} came) is
     * stopped in its turn, before what it needs, and its starter is not kept waiting for the whole stop.
     */
    @Test
    void aPartStartedDuringTheStopIsStoppedBeforeThePartsStartedBeforeIt() throws Exception {
        assertTrue(parts.add("PostgreSQL", () -> "stopped"));
        CompletableFuture<Boolean> lateStart = new CompletableFuture<>();
        assertTrue(parts.add("gateway", () -> {
            // While the gateway stops, a service finishes starting on the launcher's starting thread
            CompletableFuture.runAsync(() -> lateStart.complete(parts.add("agent-service", () -> "stopped")));
            try {
                assertFalse(lateStart.get(5, TimeUnit.SECONDS), "told its start goes no further");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return "stopped";
        }));

        assertTrue(parts.beginStop());
        assertFalse(parts.beginStop(), "once");
        parts.stopAll();

        assertEquals(List.of("gateway: stopped", "agent-service: stopped", "PostgreSQL: stopped"), stopped);
    }

    @Test
    void aPartStartedOnceTheStopIsOverIsStoppedAtOnce() {
        assertTrue(parts.add("Kafka", () -> "stopped"));
        parts.beginStop();
        parts.stopAll();

        assertFalse(parts.add("fleet-service", () -> "killed"));
        assertEquals(List.of("Kafka: stopped", "fleet-service: killed"), stopped);
        assertTrue(parts.isEmpty());
    }
}
