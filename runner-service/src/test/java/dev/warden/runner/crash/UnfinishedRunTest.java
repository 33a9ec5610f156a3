package dev.warden.runner.crash;

import dev.warden.runner.engine.ContainerEngine;
import dev.warden.runner.engine.OrphanReaper;
import dev.warden.runner.execution.Execution;
import dev.warden.runner.execution.ExecutionService;
import dev.warden.runner.support.RunnerFixtures;
import dev.warden.runner.support.TestImages;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import static dev.warden.runner.support.RunnerFixtures.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * An execution recorded as running whose runner died before it created a container (nothing to find by label) is
 * recorded as error by the start-up sweep of the same instance; another instance's, or one started after the sweep
 * began, is left alone.
 */
@QuarkusTest
class UnfinishedRunTest {

    @Inject
    ExecutionService executions;
    @Inject
    OrphanReaper reaper;
    @Inject
    ContainerEngine engine;

    @Test
    void anUnfinishedExecutionWithoutContainerIsRecordedAsErrorAtTheNextStart() {
        TestOrg org = RunnerFixtures.organization();
        UUID agent = UUID.fromString(RunnerFixtures.agent(org, TestImages.HELLO));
        Instant before = Instant.now().minus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MICROS);
        // An instance name of its own: the sweep must not touch the runs other tests of this JVM have in progress.
        String instance = "sweep-" + UUID.randomUUID();
        Execution mine = RunnerFixtures.recordedRunning(org, agent, before, instance);
        Execution anotherInstances = RunnerFixtures.recordedRunning(org, agent, before,
                "another-instance-" + UUID.randomUUID());
        Execution afterTheSweepBegan = RunnerFixtures.recordedRunning(org, agent,
                Instant.now().plus(1, ChronoUnit.MINUTES), instance);

        reaper.reap(engine, executions, instance, Instant.now());

        as(org, "viewer").get("/v1/executions/" + mine.executionId()).then().statusCode(200)
                .body("status", equalTo("error")).body("error", containsString("restarted"));
        as(org, "viewer").get("/v1/executions/" + anotherInstances.executionId()).then().body("status", equalTo("running"));
        as(org, "viewer").get("/v1/executions/" + afterTheSweepBegan.executionId()).then().body("status", equalTo("running"));
    }
}
