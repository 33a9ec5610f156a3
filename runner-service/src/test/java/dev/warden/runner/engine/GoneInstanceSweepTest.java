package dev.warden.runner.engine;

import dev.warden.runner.tier.RunnerConfig;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GoneInstanceSweepTest {

    /**
     * Shorter than a live replica takes to hold its name again after a database outage, a name would be taken over from
     * a live replica (a trial's replica set to -5 s took over another's run at first sight): refused at start.
     */
    @Test
    void aGoneAfterShorterThanAReplicaTakesToComeBackStopsTheService() {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> new GoneInstanceSweep(goneAfter(Duration.ofSeconds(-5)), null, null, null));
        assertTrue(refused.getMessage().contains("WARDEN_RUNNER_GONE_AFTER"), refused.getMessage());
        assertThrows(IllegalStateException.class, () -> new GoneInstanceSweep(goneAfter(Duration.ZERO), null, null, null));
        assertDoesNotThrow(() -> new GoneInstanceSweep(goneAfter(GoneInstanceSweep.LEAST_GONE_AFTER), null, null, null));
    }

    private static RunnerConfig goneAfter(Duration goneAfter) {
        return (RunnerConfig) Proxy.newProxyInstance(RunnerConfig.class.getClassLoader(), new Class<?>[] {RunnerConfig.class},
                (proxy, method, args) -> method.getName().equals("goneAfter") ? goneAfter : null);
    }
}
