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
import java.util.List;

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
        if (!engine.available()) {
            return;
        }
        List<ContainerEngine.Orphan> orphans;
        try {
            orphans = engine.reapOrphans(config.instance());
        } catch (RuntimeException e) {
            LOG.warnf("Could not look for orphaned containers: %s", e.getMessage());
            return;
        }
        for (ContainerEngine.Orphan orphan : orphans) {
            boolean recorded = executions.recordOrphan(orphan.orgId(), orphan.executionId())
                    .await().atMost(Duration.ofSeconds(30));
            LOG.warnf("Removed container %s of execution %s left by a previous run of this instance%s",
                    orphan.containerId(), orphan.executionId(), recorded ? "; recorded it as error" : "");
        }
    }
}
