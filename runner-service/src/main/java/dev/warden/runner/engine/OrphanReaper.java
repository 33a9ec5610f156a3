package dev.warden.runner.engine;

import dev.warden.runner.execution.ExecutionService;
import dev.warden.runner.tier.RunnerConfig;
import dev.warden.tenancy.StartupOrder;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;

/**
 * Crash safety: at start, before any run, kills and removes the containers a previous life of this instance (its
 * {@code warden.runner.instance} label) left behind, and records their executions as {@code error} with their
 * finished events. An engine that does not answer is left alone (logged): runs then answer 503 anyway.
 */
@ApplicationScoped
public class OrphanReaper {

    private static final Logger LOG = Logger.getLogger(OrphanReaper.class);

    void onStart(@Observes @Priority(StartupOrder.SERVICE_DATA) StartupEvent event, ContainerEngine engine,
                 ExecutionService executions, RunnerConfig config) {
        reap(engine, executions, config.instance(), Instant.now());
    }

    /**
     * Removes this instance's leftover containers and records as {@code error} every execution it started before
     * {@code startedAt} that never finished: those with a container, and those that died before creating one.
     */
    public void reap(ContainerEngine engine, ExecutionService executions, String instance, Instant startedAt) {
        if (engine.available()) {
            try {
                for (ContainerEngine.Orphan orphan : engine.reapOrphans(instance)) {
                    boolean recorded = executions.recordOrphan(orphan.orgId(), orphan.executionId())
                            .await().atMost(Duration.ofSeconds(30));
                    LOG.warnf("Removed container %s of execution %s left by a previous run of this instance%s",
                            orphan.containerId(), orphan.executionId(), recorded ? "; recorded it as error" : "");
                }
            } catch (RuntimeException e) {
                LOG.warnf("Could not look for orphaned containers: %s", e.getMessage());
            }
        }
        for (var unfinished : executions.unfinished(instance, startedAt).await().atMost(Duration.ofSeconds(30))) {
            if (executions.recordOrphan(unfinished.orgId(), unfinished.executionId()).await().atMost(Duration.ofSeconds(30))) {
                LOG.warnf("Execution %s of a previous run of this instance never finished; recorded it as error",
                        unfinished.executionId());
            }
        }
    }
}
