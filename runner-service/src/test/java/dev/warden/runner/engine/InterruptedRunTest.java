package dev.warden.runner.engine;

import dev.warden.runner.support.PodmanTestResource;
import dev.warden.runner.support.RunnerFixtures;
import dev.warden.runner.support.TestImages;
import dev.warden.testing.WardenInfra;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service stopping mid-run, on a real Podman: its run threads are interrupted (Engines' shutdown), and each kills
 * and removes its container before it ends. Before, the interrupted thread's removal gave up at once, and a user
 * trial's container ran on past the service and its deadline.
 */
class InterruptedRunTest {

    @Test
    void aRunInterruptedByTheServiceStoppingRemovesItsContainer() throws Exception {
        String host = new PodmanTestResource().start().get("warden.runner.docker-host");
        UUID execution = UUID.randomUUID();
        Limits limits = new Limits("test", 0.5, 64, 600_000, 64, 65_536, false);
        ExecutorService workers = Executors.newSingleThreadExecutor();
        try (DockerEngine engine = new DockerEngine(host)) {
            String talking = TestImages.TALK_THEN_SLEEP;
            OutputCollector output = new OutputCollector(65_536);
            Future<RunResult> run = workers.submit(() -> engine.run(new RunSpec(execution, UUID.randomUUID(),
                    UUID.randomUUID(), talking, limits, "interrupted-run-test"), output));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> output.stdout().contains("started"));

            workers.shutdownNow();

            assertTrue(workers.awaitTermination(30, TimeUnit.SECONDS), "the run ended");
            assertEquals("the run was interrupted", run.get().error());
            assertEquals(List.of("started"), run.get().stdout(), "what it printed until then is kept");
            assertEquals("", RunnerFixtures.containersOf(execution.toString()), "its container is gone");
        } finally {
            String left = RunnerFixtures.containersOf(execution.toString());
            if (!left.isBlank()) {
                WardenInfra.podman().podman("rm", "-f", left);
            }
        }
    }
}
