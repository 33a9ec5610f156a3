package dev.warden.runner.crash;

import dev.warden.runner.engine.ContainerEngine;
import dev.warden.runner.engine.Limits;
import dev.warden.runner.engine.OrphanReaper;
import dev.warden.runner.engine.Outcome;
import dev.warden.runner.execution.Execution;
import dev.warden.runner.execution.ExecutionRepository;
import dev.warden.runner.execution.ExecutionService;
import dev.warden.runner.support.RunnerFixtures;
import dev.warden.runner.support.TestImages;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.testing.TestOrganizations.TestOrg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
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
    TenantDb db;
    @Inject
    ExecutionRepository repository;
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
        Execution mine = running(agent, before);
        Execution anotherInstances = running(agent, before);
        Execution afterTheSweepBegan = running(agent, Instant.now().plus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MICROS));
        // An instance name of its own: the sweep must not touch the runs other tests of this JVM have in progress.
        String instance = "sweep-" + UUID.randomUUID();
        insert(org, mine, instance);
        insert(org, anotherInstances, "another-instance");
        insert(org, afterTheSweepBegan, instance);

        reaper.reap(engine, executions, instance, Instant.now());

        as(org, "viewer").get("/v1/executions/" + mine.executionId()).then().statusCode(200)
                .body("status", equalTo("error")).body("error", containsString("restarted"));
        as(org, "viewer").get("/v1/executions/" + anotherInstances.executionId()).then().body("status", equalTo("running"));
        as(org, "viewer").get("/v1/executions/" + afterTheSweepBegan.executionId()).then().body("status", equalTo("running"));
    }

    private static Execution running(UUID agent, Instant at) {
        return new Execution(UUID.randomUUID(), Outcome.RUNNING, null, null, List.of(), List.of(), false, agent, 1,
                TestImages.HELLO, null, new Limits("test", 0.5, 32, 3000, 32, 65536, false), null, "test", at, null);
    }

    private void insert(TestOrg org, Execution e, String instance) {
        db.inOrg(org.id(), conn -> repository.insert(conn, org.id(), e, instance)).await().atMost(Duration.ofSeconds(10));
    }
}
